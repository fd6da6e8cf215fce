namespace Sluice.Testing;

/// <summary>
/// A test that drives the real Chromium. Where Chromium is missing it is skipped with the reason,
/// unless SLUICE_REQUIRE_BROWSER=1 (set by .ci/run): then it runs and fails, so CI cannot go green
/// without the browser test having run.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Chromium.IsInstalled && !Chromium.IsRequired)
        {
            Skip = $"Chromium not found at {Chromium.ExecutablePath} (apt-get install chromium); set SLUICE_REQUIRE_BROWSER=1 to fail instead";
        }
    }
}

/// <summary>The <see cref="ChromiumFactAttribute"/> counterpart for theories.</summary>
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    public ChromiumTheoryAttribute()
    {
        if (!Chromium.IsInstalled && !Chromium.IsRequired)
        {
            Skip = $"Chromium not found at {Chromium.ExecutablePath} (apt-get install chromium); set SLUICE_REQUIRE_BROWSER=1 to fail instead";
        }
    }
}
