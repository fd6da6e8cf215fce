using Sluice.Client.Media;
using Sluice.Client.Rtp;
using Sluice.Media.Rtp;

namespace Sluice.Client.Publish;

/// <summary>One published track while the pacing loop runs: its source, sender, payloader and next frame.</summary>
internal sealed class PublishTrackState(IMediaSource source, RtpSender sender, RtpPayloader payloader, uint initialTimestamp)
{
    public IMediaSource Source { get; } = source;

    public RtpSender Sender { get; } = sender;

    public RtpPayloader Payloader { get; } = payloader;

    public uint InitialTimestamp { get; } = initialTimestamp;

    public MediaFrame Next { get; set; }

    public bool HasNext { get; set; }

    public long Frames { get; set; }

    public TimeSpan Due => MediaTimestamps.DueTime(Next.Timestamp, Source.ClockRate);

    /// <summary>Reads the following frame from <paramref name="reader"/> (the source, or a loop over it).</summary>
    public void Advance(IMediaSource reader)
    {
        HasNext = reader.TryReadFrame(out var frame);
        Next = frame;
    }
}
