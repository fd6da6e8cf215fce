namespace Sluice.Testing;

/// <summary>
/// A test that needs ffmpeg to make real media. Where ffmpeg is missing it is skipped with the reason, unless
/// SLUICE_REQUIRE_FFMPEG=1: then it runs and fails, so CI cannot go green without it.
/// </summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!Ffmpeg.IsInstalled && !Ffmpeg.IsRequired)
        {
            Skip = $"ffmpeg not found at {Ffmpeg.ExecutablePath} (apt-get install ffmpeg); set SLUICE_REQUIRE_FFMPEG=1 to fail instead";
        }
    }
}

/// <summary>The <see cref="FfmpegFactAttribute"/> counterpart for theories.</summary>
public sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute()
    {
        if (!Ffmpeg.IsInstalled && !Ffmpeg.IsRequired)
        {
            Skip = $"ffmpeg not found at {Ffmpeg.ExecutablePath} (apt-get install ffmpeg); set SLUICE_REQUIRE_FFMPEG=1 to fail instead";
        }
    }
}
