using System.Collections.Concurrent;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Srtp;

using Sluice.Testing;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>
/// Two transports wired back to back through one queue: each side's datagrams are queued and delivered to the
/// other by <see cref="Pump"/> on the test thread (or <see cref="PumpUntilAsync"/> when a real-clock timer also
/// produces datagrams). The queue keeps the sender's lock from re-entering the receiver.
/// </summary>
internal sealed class DtlsLoopback : IDisposable
{
    private static readonly Lazy<DtlsCertificate> SharedClientCertificate = new(DtlsCertificate.Generate);
    private static readonly Lazy<DtlsCertificate> SharedServerCertificate = new(DtlsCertificate.Generate);

    private readonly ConcurrentQueue<(bool ToServer, byte[] Data)> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ConcurrentQueue<byte[]> _sentByClient = new();
    private readonly ConcurrentQueue<byte[]> _sentByServer = new();

    public DtlsLoopback(
        SrtpProfile[]? clientProfiles = null,
        SrtpProfile[]? serverProfiles = null,
        DtlsCertificate? clientCertificate = null,
        DtlsCertificate? serverCertificate = null,
        DtlsFingerprint? clientExpects = null,
        DtlsFingerprint? serverExpects = null)
    {
        clientProfiles ??= [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80];
        serverProfiles ??= [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80];
        clientCertificate ??= SharedClientCertificate.Value;
        serverCertificate ??= SharedServerCertificate.Value;
        Client = new DtlsTransport(
            clientCertificate, DtlsRole.Client, clientExpects ?? serverCertificate.Fingerprint, clientProfiles,
            datagram => Enqueue(toServer: true, datagram));
        Server = new DtlsTransport(
            serverCertificate, DtlsRole.Server, serverExpects ?? clientCertificate.Fingerprint, serverProfiles,
            datagram => Enqueue(toServer: false, datagram));
        Client.StateChanged += (_, state) => ClientStates.Enqueue(state);
        Server.StateChanged += (_, state) => ServerStates.Enqueue(state);
    }

    public DtlsTransport Client { get; }

    public DtlsTransport Server { get; }

    public ConcurrentQueue<DtlsState> ClientStates { get; } = new();

    public ConcurrentQueue<DtlsState> ServerStates { get; } = new();

    /// <summary>Decides per datagram whether the network loses it: (toServer, index among that side's sends, bytes).</summary>
    public Func<bool, int, byte[], bool>? Drop { get; set; }

    /// <summary>Called before each delivery; lets a test inject extra datagrams (e.g. garbage).</summary>
    public Action<bool, byte[]>? BeforeDeliver { get; set; }

    public IReadOnlyCollection<byte[]> SentByClient => _sentByClient;

    public IReadOnlyCollection<byte[]> SentByServer => _sentByServer;

    public bool BothConnected => Client.State == DtlsState.Connected && Server.State == DtlsState.Connected;

    public void Start()
    {
        Server.Start();
        Client.Start();
    }

    /// <summary>Delivers queued datagrams until none are left.</summary>
    public void Pump()
    {
        while (_queue.TryDequeue(out (bool ToServer, byte[] Data) item))
        {
            Deliver(item);
        }
    }

    /// <summary>Delivers datagrams as they come (also from timer threads) until <paramref name="done"/> or timeout.</summary>
    public async Task<bool> PumpUntilAsync(Func<bool> done, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!done())
        {
            Pump();
            if (done())
            {
                break;
            }

            try
            {
                // The transports retransmit on their owner's clock: tick them as the mux heartbeat would.
                await _signal.WaitAsync(TimeSpan.FromMilliseconds(20), cancel.Token);
                Client.Tick();
                Server.Tick();
            }
            catch (OperationCanceledException)
            {
                return done();
            }
        }

        return true;
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        _signal.Dispose();
    }

    private void Enqueue(bool toServer, ReadOnlySpan<byte> datagram)
    {
        byte[] copy = datagram.ToArray();
        ConcurrentQueue<byte[]> log = toServer ? _sentByClient : _sentByServer;
        int index = log.Count;
        log.Enqueue(copy);
        if (Drop?.Invoke(toServer, index, copy) == true)
        {
            return;
        }

        _queue.Enqueue((toServer, copy));
        _signal.Release();
    }

    private void Deliver((bool ToServer, byte[] Data) item)
    {
        BeforeDeliver?.Invoke(item.ToServer, item.Data);
        (item.ToServer ? Server : Client).ReceiveDatagram(item.Data);
    }
}
