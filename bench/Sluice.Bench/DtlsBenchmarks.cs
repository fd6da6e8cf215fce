using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Srtp;

namespace Sluice.Bench;

/// <summary>
/// One full DTLS 1.2 + use_srtp handshake per operation (client and server in one process, datagrams through
/// in-memory queues), plus key export — the per-session cost of accepting a WebRTC peer.
/// </summary>
[MemoryDiagnoser]
public class DtlsBenchmarks
{
    private static readonly SrtpProfile[] Profiles = [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80];

    private readonly Queue<byte[]> _toServer = new();
    private readonly Queue<byte[]> _toClient = new();
    private readonly byte[] _keys = new byte[60];
    private DtlsCertificate _clientCertificate = null!;
    private DtlsCertificate _serverCertificate = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clientCertificate = DtlsCertificate.Generate();
        _serverCertificate = DtlsCertificate.Generate();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _clientCertificate.Dispose();
        _serverCertificate.Dispose();
    }

    [Benchmark]
    public bool Handshake()
    {
        using var client = new DtlsTransport(
            _clientCertificate, DtlsRole.Client, _serverCertificate.Fingerprint, Profiles,
            datagram => _toServer.Enqueue(datagram.ToArray()));
        using var server = new DtlsTransport(
            _serverCertificate, DtlsRole.Server, _clientCertificate.Fingerprint, Profiles,
            datagram => _toClient.Enqueue(datagram.ToArray()));

        server.Start();
        client.Start();
        while (_toServer.Count > 0 || _toClient.Count > 0)
        {
            while (_toServer.TryDequeue(out byte[]? datagram))
            {
                server.ReceiveDatagram(datagram);
            }

            while (_toClient.TryDequeue(out byte[]? datagram))
            {
                client.ReceiveDatagram(datagram);
            }
        }

        return client.TryExportSrtpKeyingMaterial(_keys) && server.TryExportSrtpKeyingMaterial(_keys);
    }
}
