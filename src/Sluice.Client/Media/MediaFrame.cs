namespace Sluice.Client.Media;

/// <summary>
/// One frame read from a file: <paramref name="Timestamp"/> in the codec's RTP clock units from the file's first
/// frame, <paramref name="Duration"/> until the next frame (same units), and the bytes the payloader takes.
/// </summary>
internal readonly record struct MediaFrame(long Timestamp, long Duration, byte[] Data);
