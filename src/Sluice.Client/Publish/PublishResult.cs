using Sluice.Client.Signaling;

namespace Sluice.Client.Publish;

/// <summary>How a publish ended: the counters, and the HTTP error or other failure if it did not succeed.</summary>
internal sealed record PublishResult(PublishStats Stats, SessionError? HttpError = null, string? Failure = null)
{
    public bool Succeeded => HttpError is null && Failure is null;
}

/// <summary>Counters of one publish session.</summary>
internal sealed record PublishStats(long Packets, long Bytes, long Frames, long NacksReceived, long NackedPackets, long Retransmitted, long Plis, long Firs, TimeSpan Duration)
{
    public static PublishStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, TimeSpan.Zero);

    public string Summary() =>
        $"sent {Packets} packets, {Bytes} bytes, {Frames} frames in {Duration.TotalSeconds:0.0} s; " +
        $"NACKs {NacksReceived} ({NackedPackets} packets asked, {Retransmitted} retransmitted), PLIs {Plis}, FIRs {Firs}";
}
