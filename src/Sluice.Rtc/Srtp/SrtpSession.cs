namespace Sluice.Rtc.Srtp;

/// <summary>
/// The two <see cref="SrtpContext"/>s of one DTLS-SRTP association: what we send is protected with
/// our role's write key, what we receive with the peer's (RFC 5764 §4.2).
/// </summary>
public sealed class SrtpSession : IDisposable
{
    private SrtpSession(SrtpContext outbound, SrtpContext inbound)
    {
        Outbound = outbound;
        Inbound = inbound;
    }

    /// <summary>Protects what we send.</summary>
    public SrtpContext Outbound { get; }

    /// <summary>Unprotects what we receive.</summary>
    public SrtpContext Inbound { get; }

    /// <summary>
    /// Splits the exporter output ("EXTRACTOR-dtls_srtp", <see cref="SrtpProfiles.KeyingMaterialLength"/>
    /// octets) laid out as client_write_key ‖ server_write_key ‖ client_write_salt ‖ server_write_salt
    /// (RFC 5764 §4.2). <paramref name="isClient"/> is our DTLS role.
    /// </summary>
    public static SrtpSession FromKeyingMaterial(SrtpProfile profile, ReadOnlySpan<byte> material, bool isClient)
    {
        int keyLength = SrtpProfiles.MasterKeyLength(profile);
        int saltLength = SrtpProfiles.MasterSaltLength(profile);
        if (material.Length != SrtpProfiles.KeyingMaterialLength(profile))
        {
            throw new ArgumentException(
                $"{profile} needs {SrtpProfiles.KeyingMaterialLength(profile)} octets of keying material, got {material.Length}.",
                nameof(material));
        }

        ReadOnlySpan<byte> clientKey = material[..keyLength];
        ReadOnlySpan<byte> serverKey = material.Slice(keyLength, keyLength);
        ReadOnlySpan<byte> clientSalt = material.Slice(2 * keyLength, saltLength);
        ReadOnlySpan<byte> serverSalt = material.Slice((2 * keyLength) + saltLength, saltLength);

        var client = new SrtpContext(profile, clientKey, clientSalt);
        try
        {
            var server = new SrtpContext(profile, serverKey, serverSalt);
            return isClient ? new SrtpSession(client, server) : new SrtpSession(server, client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Outbound.Dispose();
        Inbound.Dispose();
    }
}
