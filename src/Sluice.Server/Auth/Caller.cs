using System.Security.Cryptography;
using System.Text;

namespace Sluice.Server.Auth;

/// <summary>
/// Who sent a request, once its token checked out: the rights it carries, on which stream (<c>id</c>) and which
/// room (<c>room</c>, with the participant id it may join as, when it names one), and an owner key that identifies
/// the token without being it. A token for every stream (<c>"id": "*"</c>) is the node's: it covers every room too.
/// </summary>
public sealed record Caller(AccessRight Rights, string? Stream, string? Owner, string? Room = null, string? Participant = null)
{
    /// <summary>The <c>id</c> (and <c>room</c>) claim value meaning every stream (every room).</summary>
    public const string AnyStream = "*";

    /// <summary>Everyone, when auth is off.</summary>
    public static Caller Anonymous { get; } = new(AccessRight.All, AnyStream, null, AnyStream);

    /// <summary>
    /// Whether this caller holds <paramref name="right"/> on <paramref name="stream"/>; a null stream means
    /// node-wide, which only a token for every stream (<c>"*"</c>) covers.
    /// </summary>
    public bool Allows(AccessRight right, string? stream) =>
        right != AccessRight.None && (Rights & right) == right && (Stream == AnyStream || (stream is not null && Stream == stream));

    /// <summary>
    /// Whether this caller holds <paramref name="right"/> in <paramref name="room"/> (null: every room, which only a
    /// token for every room covers) as <paramref name="participant"/> (null: whoever; a token naming a participant
    /// joins only as that person, camera and screen).
    /// </summary>
    public bool AllowsRoom(AccessRight right, string? room, string? participant) =>
        right != AccessRight.None && (Rights & right) == right
        && (Stream == AnyStream || Room == AnyStream || (room is not null && Room == room))
        && (Participant is null || participant is null || Participant == participant);

    /// <summary>
    /// The key stored on the sessions a token creates: the SHA-256 of the token, so the token itself is kept
    /// nowhere and two different tokens (even with the same claims) never own each other's sessions.
    /// </summary>
    public static string OwnerOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
