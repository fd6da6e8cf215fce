using Sluice.Media;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Admin;

/// <summary>The admin API's view of rooms (conferences): people, their sessions, their tracks.</summary>
internal static class RoomSnapshots
{
    public static RoomInfo[] All(SfuNode node, AdminMonitor monitor)
    {
        var rooms = node.Conferences;
        var result = new RoomInfo[rooms.Count];
        for (var i = 0; i < rooms.Count; i++)
        {
            result[i] = Room(rooms[i], monitor);
        }

        Array.Sort(result, static (a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    public static RoomInfo Room(Room room, AdminMonitor monitor)
    {
        // People in the order their first session came; each person's sessions in creation order.
        var people = new List<(string Id, List<RoomSessionInfo> Sessions)>();
        var sessions = room.Publishers.Cast<SfuSession>().Concat(room.Subscribers).OrderBy(s => s.CreatedAt);
        foreach (var session in sessions)
        {
            var participant = session.Participant ?? new Participant(session.Id.Value, session.Id.Value);
            var person = people.FindIndex(p => p.Id == participant.Id);
            if (person < 0)
            {
                people.Add((participant.Id, []));
                person = people.Count - 1;
            }

            people[person].Sessions.Add(new RoomSessionInfo(participant.FullId, StreamSnapshots.Session(session, monitor), Tracks(session)));
        }

        return new RoomInfo(room.Id.Value, room.CreatedAt, [.. people.Select(p => new ParticipantInfo(p.Id, p.Sessions))]);
    }

    private static TrackInfo[] Tracks(SfuSession session)
    {
        if (session is PublisherSession publisher)
        {
            return [.. publisher.PublishedTracks.Select(t => new TrackInfo(t.Id.Value, Kind(t.Kind), Codec(t.Kind, t.Codecs), null, t.PacketsReceived))];
        }

        var subscriber = (SubscriberSession)session;
        return [.. subscriber.Subscriptions.Select(s => new TrackInfo(s.Source?.Id.Value, Kind(s.Kind), Codec(s.Kind, s.Negotiated.Codecs),
            s.Source?.Publisher.Participant?.FullId, s.PacketsSent))];
    }

    private static string Kind(MediaKind kind) => kind == MediaKind.Audio ? "audio" : "video";

    private static string? Codec(MediaKind kind, IReadOnlyList<Sfu.Negotiation.NegotiatedCodec> codecs) =>
        codecs.Count == 0 ? null : Kind(kind) + "/" + MediaCodecs.SdpName(codecs[0].Codec);
}
