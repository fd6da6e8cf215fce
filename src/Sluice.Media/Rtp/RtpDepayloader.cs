namespace Sluice.Media.Rtp;

/// <summary>Rebuilds one frame from the payloads of its RTP packets.</summary>
/// <remarks>
/// The payloads must be in sequence order and complete: the caller handles loss and reordering.
/// Network input: never throws on bad payloads.
/// </remarks>
public abstract class RtpDepayloader
{
    public abstract MediaCodec Codec { get; }

    /// <summary>Returns false for an incomplete or malformed frame.</summary>
    public abstract bool TryDepacketize(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out byte[]? frame);
}
