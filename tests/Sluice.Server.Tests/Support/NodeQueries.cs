using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Tests.Support;

/// <summary>What tests ask of a node's rooms, by the names tests use (stream and session as strings).</summary>
internal static class NodeQueries
{
    public static bool TryGetStream(this SfuNode node, string stream, out Room? room) => node.TryGetRoom(new RoomId(stream), out room);

    public static bool TryGetSession(this SfuNode node, string stream, string session, out SfuSession? found) =>
        (found = node.FindSession(new RoomId(stream), new SessionId(session))) is not null;

    /// <summary>The stream's (first) video track is published and connected.</summary>
    public static bool HasVideoSource(this Room room) => room.FindTrack(MediaKind.Video) is not null;

    /// <summary>How many subscriber sections the stream's video track feeds.</summary>
    public static int VideoSinks(this Room room) => room.FindTrack(MediaKind.Video)?.Sinks.Length ?? 0;
}
