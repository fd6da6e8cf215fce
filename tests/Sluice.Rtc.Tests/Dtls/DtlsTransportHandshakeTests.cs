using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Srtp;

using Sluice.Testing;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>DTLS-SRTP handshakes between two in-process transports (RFC 6347, RFC 5764, RFC 8827 §6.5).</summary>
public class DtlsTransportHandshakeTests
{
    private const SrtpProfile Gcm = SrtpProfile.AeadAes128Gcm;
    private const SrtpProfile Cm = SrtpProfile.Aes128CmHmacSha1_80;

    [Theory]
    [InlineData("GC", "GC", "G")]
    [InlineData("GC", "C", "C")]
    [InlineData("C", "GC", "C")]
    [InlineData("CG", "GC", "G")] // RFC 5764 §4.1.1: the server chooses; OpenSSL takes the server's preference
    [InlineData("GC", "CG", "C")]
    [InlineData("G", "C", "")]    // disjoint: OpenSSL completes the handshake without use_srtp
    [InlineData("", "GC", "")]
    public void Handshake_completes_and_both_sides_agree_on_the_srtp_profile(string client, string server, string expected)
    {
        using var loopback = new DtlsLoopback(Profiles(client), Profiles(server));

        loopback.Start();
        loopback.Pump();

        Assert.Equal(DtlsState.Connected, loopback.Client.State);
        Assert.Equal(DtlsState.Connected, loopback.Server.State);
        SrtpProfile? profile = expected.Length == 0 ? null : Profiles(expected)[0];
        Assert.Equal(profile, loopback.Client.SrtpProfile);
        Assert.Equal(profile, loopback.Server.SrtpProfile);
        Assert.Equal([DtlsState.Connecting, DtlsState.Connected], loopback.ClientStates);
        Assert.Equal([DtlsState.Connecting, DtlsState.Connected], loopback.ServerStates);
        Assert.StartsWith("ECDHE-ECDSA-", loopback.Client.CipherSuite, StringComparison.Ordinal);
        Assert.Equal(loopback.Client.CipherSuite, loopback.Server.CipherSuite);
        if (profile is null)
        {
            Assert.Equal(0, loopback.Client.SrtpKeyingMaterialLength);
            Assert.False(loopback.Client.TryExportSrtpKeyingMaterial(new byte[64]));
        }
    }

    [Theory]
    [InlineData(Gcm, 56)] // RFC 7714 §14.2: 2 × (16-byte key + 12-byte salt)
    [InlineData(Cm, 60)]  // RFC 5764 §4.1.2 / RFC 3711: 2 × (16-byte key + 14-byte salt)
    public void Exported_keying_material_is_identical_on_both_sides(SrtpProfile profile, int length)
    {
        using var loopback = new DtlsLoopback([profile], [profile]);
        loopback.Start();
        loopback.Pump();

        byte[] client = new byte[length];
        byte[] server = new byte[length];
        Assert.Equal(length, loopback.Client.SrtpKeyingMaterialLength);
        Assert.True(loopback.Client.TryExportSrtpKeyingMaterial(client));
        Assert.True(loopback.Server.TryExportSrtpKeyingMaterial(server));

        Assert.Equal(client, server);
        Assert.Contains(client, b => b != 0);
        Assert.False(loopback.Client.TryExportSrtpKeyingMaterial(new byte[length - 1]));

        // A second association derives different keys.
        using var other = new DtlsLoopback([profile], [profile]);
        other.Start();
        other.Pump();
        byte[] third = new byte[length];
        Assert.True(other.Client.TryExportSrtpKeyingMaterial(third));
        Assert.NotEqual(client, third);
    }

    [Fact]
    public void Keying_material_is_not_available_before_the_handshake()
    {
        using var loopback = new DtlsLoopback();

        Assert.False(loopback.Client.TryExportSrtpKeyingMaterial(new byte[60]));
        Assert.Null(loopback.Client.SrtpProfile);
        Assert.Equal(DtlsState.New, loopback.Client.State);
    }

    [Fact]
    public void Client_rejects_a_server_whose_certificate_does_not_match_the_fingerprint()
    {
        var wrong = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, "not the server"u8);
        using var loopback = new DtlsLoopback(clientExpects: wrong);

        loopback.Start();
        loopback.Pump();

        Assert.Equal(DtlsState.Failed, loopback.Client.State);
        Assert.Contains("fingerprint", loopback.Client.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(wrong.ToString(), loopback.Client.FailureReason, StringComparison.Ordinal);
        Assert.Equal(DtlsState.Failed, loopback.Server.State); // the client's fatal alert reaches it
        Assert.Contains("alert", loopback.Server.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.False(loopback.Client.TryExportSrtpKeyingMaterial(new byte[60]));
        Assert.Equal([DtlsState.Connecting, DtlsState.Failed], loopback.ClientStates);
    }

    [Fact]
    public void Server_rejects_a_client_whose_certificate_does_not_match_the_fingerprint()
    {
        var wrong = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, "not the client"u8);
        using var loopback = new DtlsLoopback(serverExpects: wrong);

        loopback.Start();
        loopback.Pump();

        Assert.Equal(DtlsState.Failed, loopback.Server.State);
        Assert.Contains("fingerprint", loopback.Server.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DtlsState.Failed, loopback.Client.State);
        Assert.False(loopback.Server.TryExportSrtpKeyingMaterial(new byte[60]));
    }

    [Theory]
    [InlineData(DtlsHashAlgorithm.Sha1)]
    [InlineData(DtlsHashAlgorithm.Sha384)]
    [InlineData(DtlsHashAlgorithm.Sha512)]
    public void Remote_fingerprint_may_use_any_RFC_8122_hash(DtlsHashAlgorithm algorithm)
    {
        using DtlsCertificate client = DtlsCertificate.Generate();
        using DtlsCertificate server = DtlsCertificate.Generate();
        using var loopback = new DtlsLoopback(
            clientCertificate: client,
            serverCertificate: server,
            clientExpects: DtlsFingerprint.Compute(algorithm, server.Der.Span),
            serverExpects: DtlsFingerprint.Compute(algorithm, client.Der.Span));

        loopback.Start();
        loopback.Pump();

        Assert.True(loopback.BothConnected);
    }

    [Fact]
    public void A_peer_with_an_RSA_certificate_negotiates_ECDHE_RSA()
    {
        using DtlsCertificate rsa = CreateRsaCertificate();
        using var loopback = new DtlsLoopback(serverCertificate: rsa);

        loopback.Start();
        loopback.Pump();

        Assert.True(loopback.BothConnected);
        Assert.StartsWith("ECDHE-RSA-", loopback.Client.CipherSuite, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_handshake_datagram_fits_the_1200_byte_mtu_even_with_a_large_certificate()
    {
        // ~4 KB of subject alternative names forces the Certificate message across several records.
        using DtlsCertificate large = CreateLargeCertificate();
        Assert.True(large.Der.Length > 3 * DtlsTransport.Mtu);
        using var loopback = new DtlsLoopback(clientCertificate: large, serverCertificate: large);

        loopback.Start();
        loopback.Pump();

        Assert.True(loopback.BothConnected);
        Assert.All(loopback.SentByClient, d => Assert.InRange(d.Length, 1, DtlsTransport.Mtu));
        Assert.All(loopback.SentByServer, d => Assert.InRange(d.Length, 1, DtlsTransport.Mtu));
        Assert.True(loopback.SentByServer.Sum(d => d.Length) > large.Der.Length);
        Assert.Contains(loopback.SentByServer, d => d.Length > 900); // records are packed, not ~256-byte fragments
    }

    [Fact]
    public void Application_data_flows_both_ways_after_the_handshake()
    {
        using var loopback = new DtlsLoopback();
        var atServer = new List<byte[]>();
        var atClient = new List<byte[]>();
        loopback.Server.ApplicationDataReceived = data => atServer.Add(data.ToArray());
        loopback.Client.ApplicationDataReceived = data => atClient.Add(data.ToArray());

        Assert.False(loopback.Client.SendApplicationData("too early"u8));
        loopback.Start();
        loopback.Pump();

        Assert.True(loopback.Client.SendApplicationData("hello server"u8));
        Assert.True(loopback.Server.SendApplicationData("hello client"u8));
        byte[] big = new byte[1100];
        new Random(1).NextBytes(big);
        Assert.True(loopback.Client.SendApplicationData(big));
        Assert.False(loopback.Client.SendApplicationData([]));
        loopback.Pump();

        Assert.Equal(["hello server"u8.ToArray(), big], atServer);
        Assert.Equal(["hello client"u8.ToArray()], atClient);
        Assert.All(loopback.SentByClient, d => Assert.InRange(d.Length, 1, DtlsTransport.Mtu));
    }

    [Fact]
    public void A_handler_may_reply_from_inside_ApplicationDataReceived()
    {
        using var loopback = new DtlsLoopback();
        var atClient = new List<byte[]>();
        loopback.Server.ApplicationDataReceived = data => loopback.Server.SendApplicationData(data); // echo
        loopback.Client.ApplicationDataReceived = data => atClient.Add(data.ToArray());
        loopback.Start();
        loopback.Pump();

        loopback.Client.SendApplicationData("ping"u8);
        loopback.Pump();

        Assert.Equal(["ping"u8.ToArray()], atClient);
    }

    [Fact]
    public void Close_sends_close_notify_and_the_peer_goes_Closed()
    {
        using var loopback = new DtlsLoopback();
        loopback.Start();
        loopback.Pump();

        loopback.Client.Close();
        Assert.Equal(DtlsState.Closed, loopback.Client.State);
        loopback.Pump();

        Assert.Equal(DtlsState.Closed, loopback.Server.State);
        Assert.Null(loopback.Server.FailureReason);
        Assert.Equal([DtlsState.Connecting, DtlsState.Connected, DtlsState.Closed], loopback.ServerStates);
        Assert.Equal([DtlsState.Connecting, DtlsState.Connected, DtlsState.Closed], loopback.ClientStates);
        Assert.False(loopback.Server.SendApplicationData("late"u8));
        Assert.False(loopback.Server.TryExportSrtpKeyingMaterial(new byte[60]));
    }

    [Fact]
    public void Dispose_moves_to_Closed_and_later_calls_are_harmless()
    {
        var loopback = new DtlsLoopback();
        loopback.Start();
        loopback.Pump();

        loopback.Dispose();

        Assert.Equal(DtlsState.Closed, loopback.Client.State);
        Assert.False(loopback.Client.SendApplicationData("x"u8));
        loopback.Client.ReceiveDatagram(new byte[] { 0x17, 0xFE, 0xFD });
        loopback.Client.Close();
        loopback.Client.Dispose();
        Assert.Throws<ObjectDisposedException>(loopback.Client.Start);
    }

    [Fact]
    public void Client_awaits_retransmission_while_connecting_and_neither_side_does_once_connected()
    {
        using var loopback = new DtlsLoopback();

        loopback.Client.Start();

        Assert.True(loopback.Client.AwaitingRetransmission);

        // A tick before OpenSSL's first timeout (100 ms on its wall clock) resends nothing.
        var sent = loopback.SentByClient.Count;
        loopback.Client.Tick();
        Assert.Equal(sent, loopback.SentByClient.Count);

        loopback.Server.Start();
        loopback.Pump();

        Assert.True(loopback.BothConnected);
        Assert.False(loopback.Client.AwaitingRetransmission);
        Assert.False(loopback.Server.AwaitingRetransmission);
        loopback.Client.Tick();
        Assert.True(loopback.BothConnected);
    }

    [Fact]
    public void Transports_sharing_one_certificate_run_independent_associations()
    {
        using DtlsCertificate certificate = DtlsCertificate.Generate();
        using var first = new DtlsLoopback(clientCertificate: certificate, serverCertificate: certificate);
        using var second = new DtlsLoopback(clientCertificate: certificate, serverCertificate: certificate);

        first.Start();
        second.Start();
        first.Pump();
        second.Pump();

        Assert.True(first.BothConnected);
        Assert.True(second.BothConnected);
    }

    [Fact]
    public void Generated_certificate_is_ECDSA_P256_CN_sluice_valid_from_yesterday()
    {
        using DtlsCertificate certificate = DtlsCertificate.Generate();
        using X509Certificate2 parsed = X509CertificateLoader.LoadCertificate(certificate.Der.Span);
        using ECDsa? key = parsed.GetECDsaPublicKey();

        Assert.Equal("CN=sluice", parsed.Subject);
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.True(parsed.NotBefore.ToUniversalTime() < DateTime.UtcNow.AddHours(-23));
        Assert.True(parsed.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(29));
    }

    private static SrtpProfile[] Profiles(string codes) =>
        [.. codes.Select(c => c == 'G' ? Gcm : Cm)];

    private static DtlsCertificate CreateRsaCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa-peer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return DtlsCertificate.FromDer(certificate.RawData, key.ExportPkcs8PrivateKey());
    }

    private static DtlsCertificate CreateLargeCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=large", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        for (int i = 0; i < 150; i++)
        {
            names.AddDnsName($"host-{i:D3}.example.invalid");
        }

        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return DtlsCertificate.FromDer(certificate.RawData, key.ExportPkcs8PrivateKey());
    }
}
