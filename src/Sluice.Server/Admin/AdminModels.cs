using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Server.Admin;

/// <summary>One stream as the admin API shows it.</summary>
internal sealed record StreamInfo(string Id, DateTimeOffset CreatedAt, SessionInfo? Publisher, IReadOnlyList<SessionInfo> Subscribers);

/// <summary>
/// One session. Counters are the session's totals: for a publisher what it sent us (and what we found missing,
/// NACKed, asked keyframes for), for a subscriber what we sent it (and what it reported lost, NACKed, asked
/// keyframes for). Bitrates are bit/s over the last stats tick, from the transport's byte counters.
/// </summary>
internal sealed record SessionInfo(
    string Id,
    string Role,
    string State,
    string? RemoteAddress,
    IReadOnlyList<string> Codecs,
    long BitrateIn,
    long BitrateOut,
    long Packets,
    long PacketsLost,
    long Nacks,
    long Plis,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ConnectedSince,
    DataInfo? Data);

/// <summary>
/// A session's data channels (null when its offer had none): the SCTP association's state, the open channels by
/// label, and the messages and bytes received from the peer and sent to it, with those dropped (buffer full).
/// </summary>
internal sealed record DataInfo(string State, IReadOnlyList<DataChannelInfo> Channels, long MessagesIn, long BytesIn, long MessagesOut, long BytesOut, long Dropped, SctpInfo Sctp);

/// <summary>The association's own counters: packets, what it resent and why (fast retransmit or timeout), what it refused.</summary>
internal sealed record SctpInfo(long PacketsIn, long PacketsOut, long Retransmissions, long FastRetransmits, long Timeouts, long Abandoned, long DuplicatesIn, long DroppedForWindow, long Malformed, long BadChecksum);

/// <summary>One data channel: its stream id, label, protocol, delivery, and who opened it.</summary>
internal sealed record DataChannelInfo(int Id, string Label, string Protocol, bool Ordered, int? MaxRetransmits, int? MaxPacketLifeTime, bool OpenedByPeer, long MessagesIn, long MessagesOut);

/// <summary>The node itself: what runs, for how long, and where clients send media.</summary>
internal sealed record NodeInfo(string Version, string Build, long UptimeSeconds, string MediaEndpoint, IReadOnlyList<string> Candidates, int Streams, int Sessions);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StreamInfo))]
[JsonSerializable(typeof(StreamInfo[]))]
[JsonSerializable(typeof(NodeInfo))]
internal sealed partial class AdminJson : JsonSerializerContext;
