namespace Sluice.Media.Containers;

/// <summary>One IVF frame: for VP8/VP9 one encoded frame, for AV1 one temporal unit.</summary>
/// <param name="Timestamp">Presentation time in units of the header's timebase.</param>
public sealed record IvfFrame(long Timestamp, byte[] Data);
