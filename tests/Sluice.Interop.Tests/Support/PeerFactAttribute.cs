namespace Sluice.Interop.Tests.Support;

/// <summary>
/// A test that runs a real peer program. Where the program is missing it is skipped with the reason and the
/// Debian package to install, unless SLUICE_REQUIRE_PEERS=1 (set by .ci/run): then it runs and fails, so CI
/// cannot go green without the peer having run.
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    /// <param name="program">An absolute path that must exist for the peer to run (e.g. <c>/usr/bin/go</c>).</param>
    /// <param name="package">The Debian package that provides it.</param>
    public PeerFactAttribute(string program, string package)
    {
        if (!File.Exists(program) && Environment.GetEnvironmentVariable("SLUICE_REQUIRE_PEERS") != "1")
        {
            Skip = $"{program} not found (apt-get install {package}); set SLUICE_REQUIRE_PEERS=1 to fail instead";
        }
    }
}
