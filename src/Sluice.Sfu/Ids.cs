namespace Sluice.Sfu;

/// <summary>
/// A room's name and kind, unique on a node (and in a cluster). A WHIP/WHEP stream is a room named by its stream;
/// a conference (weever-streaming's room) is another namespace: a stream and a conference may share a name.
/// </summary>
public readonly record struct RoomId(string Value, RoomKind Kind = RoomKind.Stream)
{
    public static RoomId Conference(string name) => new(name, RoomKind.Conference);

    public override string ToString() => Value;
}

/// <summary>What a room is for: a stream (WHIP/WHEP: one publisher) or a conference (any number of participants).</summary>
public enum RoomKind
{
    /// <summary>A WHIP/WHEP stream: one publishing session, any number of subscribers bound by the stream policy.</summary>
    Stream,

    /// <summary>
    /// A conference: every participant may publish (camera, screen), and each subscriber session receives every
    /// other participant's tracks through the node's offers.
    /// </summary>
    Conference,
}

/// <summary>A session's id: the last segment of its HTTP resource (<c>/session/{room}/{id}</c>).</summary>
public readonly record struct SessionId(string Value)
{
    public static SessionId New() => new(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));

    public override string ToString() => Value;
}

/// <summary>A published track's id, unique on the node (<c>TR_</c> + 12 hex digits); subscribers see it as the msid track id.</summary>
public readonly record struct TrackId(string Value)
{
    public static TrackId New() => new("TR_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)));

    /// <summary>
    /// The id of the track a participant's session sends as <paramref name="msidTrackId"/> (its SDP <c>a=msid</c>):
    /// known before the offer arrives, as LiveKit's clients need (the server names a track when it is announced).
    /// </summary>
    public static TrackId For(string participantFullId, string msidTrackId) =>
        new("TR_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(participantFullId + "\n" + msidTrackId)).AsSpan(0, 6)));

    public override string ToString() => Value;
}
