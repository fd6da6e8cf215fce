using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Sluice.Cli.Tests.Signaling;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;

namespace Sluice.Cli.Tests.Load;

/// <summary>
/// A stand-in WHEP server on 127.0.0.1 built from Sluice.Rtc: ICE-lite answer with a host candidate, one UDP
/// socket for all sessions; once a session connects it sends <see cref="PacketsPerSession"/> VP8-typed RTP
/// packets (no real media: nothing is decoded without a sink), skipping the sequence numbers in <see cref="Skip"/>.
/// </summary>
internal sealed class FakeWhepServer : IDisposable
{
    private static readonly DtlsCertificate Certificate = DtlsCertificate.Generate();

    private readonly UdpMux _mux = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentBag<WebRtcTransport> _transports = [];
    private readonly CancellationTokenSource _stop = new();
    private int _sessions;

    public FakeWhepServer(int packetsPerSession, IReadOnlySet<int> skip)
    {
        PacketsPerSession = packetsPerSession;
        Skip = skip;
        _mux.Start();
        Http = new TestHttpServer(Handle);
    }

    public TestHttpServer Http { get; }

    public int PacketsPerSession { get; }

    public IReadOnlySet<int> Skip { get; }

    public Uri Endpoint => new(Http.BaseUri, "whep/cam");

    private TestResponse Handle(RecordedRequest request)
    {
        if (request.Method == "DELETE")
        {
            return new TestResponse(200);
        }

        var offer = SessionDescription.Parse(request.Body);
        var local = IceParameters.Generate();
        if (!SdpAnswerer.TryCreateAnswer(offer, new SdpAnswerOptions
        {
            IceUfrag = local.UsernameFragment,
            IcePwd = local.Password,
            Fingerprint = Certificate.Fingerprint.ToString(),
            IceLite = true,
            Codecs = [SdpCodecCapability.VP8, SdpCodecCapability.Opus],
            Candidates = [new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", _mux.LocalEndPoint.Port, "host")],
            EndOfCandidates = true,
        }, out var answer, out var error))
        {
            return new TestResponse(400, error ?? "bad offer", "text/plain");
        }

        if (!DtlsFingerprint.TryParse(offer.Media[0].Fingerprints[0], out var remoteFingerprint))
        {
            return new TestResponse(400, "bad fingerprint", "text/plain");
        }

        var transport = new WebRtcTransport(_mux, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = local,
            RemoteIce = new IceParameters(offer.Media[0].IceUfrag!, offer.Media[0].IcePwd!),
            RemoteFingerprint = remoteFingerprint,
        });
        var videoPt = (byte)answer!.Media[0].Codecs[0].PayloadType;
        var ssrc = (uint)(0x5000_0000 + Interlocked.Increment(ref _sessions));
        transport.StateChanged += (t, state) =>
        {
            if (state == TransportState.Connected)
            {
                _ = Task.Run(() => SendAsync(t, videoPt, ssrc));
            }
        };
        _transports.Add(transport);
        transport.Start();
        return new TestResponse(201, answer.ToString(), "application/sdp") { Headers = [("Location", $"sessions/{ssrc:x}")] };
    }

    private async Task SendAsync(WebRtcTransport transport, byte payloadType, uint ssrc)
    {
        var buffer = new byte[256];
        for (var i = 0; i < PacketsPerSession && !_stop.IsCancellationRequested; i++)
        {
            if (Skip.Contains(i))
            {
                continue;
            }

            buffer.AsSpan(0, 112).Clear();
            buffer[0] = 0x80;
            buffer[1] = (byte)(0x80 | payloadType);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(1000 + i));
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)(3000 * i));
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), ssrc);
            transport.SendRtp(buffer, 112);
            await Task.Delay(2);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        Http.Dispose();
        foreach (var transport in _transports)
        {
            transport.Dispose();
        }

        _mux.Dispose();
    }
}
