using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sluice.Client.Auth;

/// <summary>
/// HS256 JWTs in live777's shape <c>{"id": stream or "*", "exp": unix seconds, "mode": bits}</c> (4 subscribe,
/// 2 publish, 1 admin), as a node with the same <c>Auth:Secret</c> accepts them: minted by <c>sluice-cli token</c>,
/// and by a node for its calls to the other nodes of its cluster.
/// </summary>
internal static class AccessTokens
{
    public const int Subscribe = 4;
    public const int Publish = 2;
    public const int Admin = 1;

    public static string Mint(string secret, string stream, int mode, DateTimeOffset expires)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["id"] = stream,
                ["mode"] = mode,

                // Set here rather than through Expires, which would bring nbf and iat that live777 does not send.
                ["exp"] = expires.ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
