using System.Security.Cryptography;
using System.Text;

namespace Sluice.Rtc.Ice;

/// <summary>
/// The ICE username fragment and password of one side (RFC 8445 §5.3, RFC 8839 §5.4).
/// </summary>
public sealed class IceParameters
{
    // ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4).
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public IceParameters(string usernameFragment, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(usernameFragment);
        ArgumentException.ThrowIfNullOrEmpty(password);
        UsernameFragment = usernameFragment;
        Password = password;
        PasswordKey = Encoding.UTF8.GetBytes(password);
    }

    public string UsernameFragment { get; }

    public string Password { get; }

    /// <summary>The short-term credential key: the password's UTF-8 bytes (RFC 8489 §9.1.1; ICE uses no SASLprep).</summary>
    public byte[] PasswordKey { get; }

    /// <summary>
    /// Fresh random credentials: 8 ice-chars of ufrag (48 bits, above the RFC's 24-bit minimum) and
    /// 24 of password (144 bits, above the 128-bit minimum).
    /// </summary>
    public static IceParameters Generate() => new(RandomIceString(8), RandomIceString(24));

    private static string RandomIceString(int length) => RandomNumberGenerator.GetString(IceChars, length);

    public override string ToString() => UsernameFragment;
}
