using System.Security.Cryptography;
using System.Text;

namespace Sluice.Server.Auth;

/// <summary>
/// Who sent a request, once its token checked out: the rights it carries, on which stream, and an owner key
/// that identifies the token without being it.
/// </summary>
public sealed record Caller(AccessRight Rights, string Stream, string? Owner)
{
    /// <summary>The <c>id</c> claim value meaning every stream.</summary>
    public const string AnyStream = "*";

    /// <summary>Everyone, when auth is off.</summary>
    public static Caller Anonymous { get; } = new(AccessRight.All, AnyStream, null);

    /// <summary>
    /// Whether this caller holds <paramref name="right"/> on <paramref name="stream"/>; a null stream means
    /// node-wide, which only a token for every stream (<c>"*"</c>) covers.
    /// </summary>
    public bool Allows(AccessRight right, string? stream) =>
        right != AccessRight.None && (Rights & right) == right && (Stream == AnyStream || (stream is not null && Stream == stream));

    /// <summary>
    /// The key stored on the sessions a token creates: the SHA-256 of the token, so the token itself is kept
    /// nowhere and two different tokens (even with the same claims) never own each other's sessions.
    /// </summary>
    public static string OwnerOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
