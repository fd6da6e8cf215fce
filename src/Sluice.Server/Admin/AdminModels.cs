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
    DataInfo? Data,
    CascadeInfo? Cascade = null,
    IReadOnlyList<LayerState>? Layers = null,
    BandwidthInfo? Bandwidth = null);

/// <summary>
/// A subscriber's congestion control (null without transport-cc or REMB feedback): the node's estimate of its
/// bandwidth in bit/s, the video tracks paused because their lowest layer does not fit, the probes sent, and the
/// packets the pacer held back (<c>paced</c>) and dropped because its queue was full.
/// </summary>
internal sealed record BandwidthInfo(long EstimatedBitrate, long AcknowledgedBitrate, long PausedTracks, long Probes, long ProbesSucceeded, long Feedbacks,
    long Paced, long PacerDropped);

/// <summary>
/// A subscriber's video section fed by a simulcast track (or paused for bandwidth): the encoding it gets now (rid),
/// the one pinned through the layer API (null: automatic), the one the bandwidth allocation chose (null: none yet),
/// whether it is paused because the subscriber's estimate does not carry the lowest layer, how often it switched; and
/// of the encoding's <c>temporalLayers</c> (VP8 and VP9 TID 0 to n-1), the highest forwarded (<c>temporal</c>) and the
/// frames of the others dropped so far; of its <c>spatialLayers</c> (VP9 SVC's SID 0 to n-1), the highest forwarded (<c>spatial</c>).
/// </summary>
internal sealed record LayerState(string Mid, string? Encoding, string? Pinned, long Switches, string? Allocated = null, bool Paused = false,
    int Temporal = 0, int TemporalLayers = 1, long FramesDropped = 0, int Spatial = 0, int SpatialLayers = 1);

/// <summary>
/// A session for which the node is another server's client (live777's cascade): the WHEP URL pulled from or the
/// WHIP URL pushed to, the session resource there, and whether the cluster made it (a relay between its nodes).
/// </summary>
internal sealed record CascadeInfo(string? SourceUrl, string? TargetUrl, string? SessionUrl, bool Relay);

/// <summary>
/// A session's data channels (null when its offer had none): the SCTP association's state, the open channels by
/// label, and the messages and bytes received from the peer and sent to it, with those dropped (buffer full).
/// </summary>
internal sealed record DataInfo(string State, IReadOnlyList<DataChannelInfo> Channels, long MessagesIn, long BytesIn, long MessagesOut, long BytesOut, long Dropped, SctpInfo Sctp);

/// <summary>The association's own counters: packets, what it resent and why (fast retransmit or timeout), what it refused.</summary>
internal sealed record SctpInfo(long PacketsIn, long PacketsOut, long Retransmissions, long FastRetransmits, long Timeouts, long Abandoned, long DuplicatesIn, long DroppedForWindow, long Malformed, long BadChecksum);

/// <summary>One data channel: its stream id, label, protocol, delivery, and who opened it.</summary>
internal sealed record DataChannelInfo(int Id, string Label, string Protocol, bool Ordered, int? MaxRetransmits, int? MaxPacketLifeTime, bool OpenedByPeer, long MessagesIn, long MessagesOut);

/// <summary>One room (a conference) as the admin API shows it: its people, oldest first.</summary>
internal sealed record RoomInfo(string Id, DateTimeOffset CreatedAt, IReadOnlyList<ParticipantInfo> Participants);

/// <summary>One person in a room (weever's id without suffix) and their sessions: camera, screen, subscriber.</summary>
internal sealed record ParticipantInfo(string Id, IReadOnlyList<RoomSessionInfo> Sessions);

/// <summary>A session in a room: the full id it joined with, the session as streams show it, and its tracks.</summary>
internal sealed record RoomSessionInfo(string FullId, SessionInfo Session, IReadOnlyList<TrackInfo> Tracks);

/// <summary>
/// A track of a session: for a publisher, one it publishes (its id, <c>TR_…</c>); for a subscriber, one it receives
/// (the id of the published track it is bound to, and whose it is), with the codec it is negotiated for.
/// </summary>
internal sealed record TrackInfo(string? Id, string Kind, string? Codec, string? From, long Packets);

/// <summary>The node itself: what runs, for how long, and where clients send media.</summary>
internal sealed record NodeInfo(string Version, string Build, long UptimeSeconds, string MediaEndpoint, IReadOnlyList<string> Candidates, int Streams, int Sessions);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StreamInfo))]
[JsonSerializable(typeof(StreamInfo[]))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(RoomInfo))]
[JsonSerializable(typeof(RoomInfo[]))]
[JsonSerializable(typeof(Cluster.NodeEntry[]))]
[JsonSerializable(typeof(RoomSubscriptionState[]))]
internal sealed partial class AdminJson : JsonSerializerContext;
