using Sluice.Testing;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// A test that runs a real peer program and Chromium: skipped with the reason where either is missing, unless
/// SLUICE_REQUIRE_PEERS=1 or SLUICE_REQUIRE_BROWSER=1 (set by .ci/run), where it runs and fails instead.
/// </summary>
public sealed class PeerAndChromiumFactAttribute : FactAttribute
{
    /// <param name="program">An absolute path that must exist for the peer to run.</param>
    /// <param name="package">The Debian package that provides it.</param>
    public PeerAndChromiumFactAttribute(string program, string package)
    {
        if (Environment.GetEnvironmentVariable("SLUICE_REQUIRE_PEERS") == "1" || Chromium.IsRequired)
        {
            return;
        }

        if (!File.Exists(program))
        {
            Skip = $"{program} not found (apt-get install {package}); set SLUICE_REQUIRE_PEERS=1 to fail instead";
        }
        else if (!Chromium.IsInstalled)
        {
            Skip = $"Chromium not found at {Chromium.ExecutablePath} (apt-get install chromium); set SLUICE_REQUIRE_BROWSER=1 to fail instead";
        }
    }
}
