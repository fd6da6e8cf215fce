using Sluice.Client.Rtp;

namespace Sluice.Client.Subscribe;

/// <summary>What a <see cref="WhepSubscriber"/> asks for and how it receives.</summary>
internal sealed record WhepSubscriberOptions(Uri Endpoint)
{
    public string? Token { get; init; }

    /// <summary>
    /// Re-POST after the session fails (the node died, or dropped it), with backoff (0.25 s doubling to 5 s, back to
    /// 0.25 s once connected), trying <see cref="Endpoint"/> and then each of <see cref="Fallbacks"/> in turn. A dead
    /// node is noticed in about 1 s: consent is checked every 0.25 s.
    /// </summary>
    public bool Reconnect { get; init; }

    /// <summary>
    /// With <see cref="Reconnect"/>: check ICE consent every 0.25 s so a dead node is noticed in about a second (a
    /// viewer); off, consent keeps its usual pace (every 2.5 s) and a dead node takes 8 s (the load tester, whose
    /// hundreds of sessions would otherwise cost the host thousands of checks a second).
    /// </summary>
    public bool FastFailover { get; init; } = true;

    /// <summary>Other nodes' WHEP endpoints for the same stream, tried in turn when reconnecting.</summary>
    public IReadOnlyList<Uri> Fallbacks { get; init; } = [];

    public bool Video { get; init; } = true;

    public bool Audio { get; init; } = true;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public RtpReceiverOptions Receiver { get; init; } = new();

    /// <summary>How often gaps are checked for NACKs and give-up.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Receiver reports (RFC 3550 §6.2 allows any interval for a unicast session).</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a PLI is repeated while waiting for a keyframe.</summary>
    public TimeSpan PliInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Negotiate a data channel and send each line of this file (<c>-</c>: stdin) on <see cref="Label"/>.</summary>
    public string? DataIn { get; init; }

    /// <summary>Negotiate a data channel and write each received message here as a JSON line (<c>-</c>: stdout).</summary>
    public string? DataOut { get; init; }

    /// <summary>The label of the channel <see cref="DataIn"/> sends on.</summary>
    public string Label { get; init; } = "chat";

    public bool WantsData => DataIn is not null || DataOut is not null;
}
