namespace Sluice.Rtc.Sdp;

/// <summary>The <c>o=</c> line (RFC 8866 §5.2). The session id is kept as text: browsers use up to 64-bit values.</summary>
public sealed record SdpOrigin(string Username, string SessionId, ulong SessionVersion, string NetworkType, string AddressType, string Address)
{
    /// <summary>An origin with a fresh random session id, as JSEP §5.2.1 asks for a new session.</summary>
    public static SdpOrigin CreateNew() =>
        new("-", Random.Shared.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture), 2, "IN", "IP4", "127.0.0.1");

    public override string ToString() => $"{Username} {SessionId} {SessionVersion} {NetworkType} {AddressType} {Address}";
}
