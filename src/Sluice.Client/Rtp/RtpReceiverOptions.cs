namespace Sluice.Client.Rtp;

/// <summary>Jitter buffer and NACK policy of one <see cref="RtpReceiver"/>.</summary>
internal sealed record RtpReceiverOptions
{
    /// <summary>Ask for missing packets with Generic NACK (RFC 4585 §6.2.1); off, gaps only wait for reordering.</summary>
    public bool Nack { get; init; } = true;

    /// <summary>Keeps a copy of each packet for <see cref="RtpReceiver.Drain"/>; a counting receiver (the load tester) leaves it off and allocates nothing per packet.</summary>
    public bool KeepPayloads { get; init; } = true;

    /// <summary>A gap younger than this is taken for reordering and not NACKed yet.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Time between NACKs of the same packet: about one round trip to the server.</summary>
    public TimeSpan NackInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public int MaxNackRetries { get; init; } = 5;

    /// <summary>A gap still open after this long is given up: the packets are lost and later ones flow on.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A jump of more sequence numbers than this restarts the buffer instead of waiting for all of them.</summary>
    public int MaxGap { get; init; } = 3000;

    /// <summary>
    /// When the first packet does not start a frame, the packets before it are asked for (NACK) this far back:
    /// the frame's start was lost before we knew the stream, and the sender's cache still has it.
    /// </summary>
    public int LeadingNack { get; init; } = 16;
}
