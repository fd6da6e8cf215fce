namespace Sluice.Sfu;

/// <summary>A room's name, unique on a node (and in a cluster). A WHIP/WHEP stream is a room, named by its stream.</summary>
public readonly record struct RoomId(string Value)
{
    public override string ToString() => Value;
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

    public override string ToString() => Value;
}
