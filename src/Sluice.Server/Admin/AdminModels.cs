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
    DateTimeOffset? ConnectedSince);

/// <summary>The node itself: what runs, for how long, and where clients send media.</summary>
internal sealed record NodeInfo(string Version, string Build, long UptimeSeconds, string MediaEndpoint, IReadOnlyList<string> Candidates, int Streams, int Sessions);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StreamInfo))]
[JsonSerializable(typeof(StreamInfo[]))]
[JsonSerializable(typeof(NodeInfo))]
internal sealed partial class AdminJson : JsonSerializerContext;
