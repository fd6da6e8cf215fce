using Sluice.Client.Rtp;
using Sluice.Client.Sdp;
using Sluice.Media.Rtp;

namespace Sluice.Client.Subscribe;

/// <summary>One received track of a <see cref="WhepSubscriber"/>: reorder buffer, frame assembly and depacketizer.</summary>
internal sealed class SubscribeTrack(NegotiatedCodec codec, RtpReceiver receiver, FrameAssembler? assembler, RtpDepayloader? depayloader)
{
    public NegotiatedCodec Codec { get; } = codec;

    public RtpReceiver Receiver { get; } = receiver;

    public FrameAssembler? Assembler { get; } = assembler;

    public RtpDepayloader? Depayloader { get; } = depayloader;

    public bool IsVideo => Codec.Spec.IsVideo;

    /// <summary>Video waits for a keyframe at the start and after a dropped frame.</summary>
    public bool WaitingForKeyframe { get; set; } = true;

    public long LastPliAt { get; set; }

    public bool PliSent { get; set; }

    public long DroppedSeen { get; set; }
}
