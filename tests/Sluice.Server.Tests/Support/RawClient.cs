using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Testing;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A WHIP/WHEP client built straight on Sluice.Rtc, for tests that need control the CLI does not give:
/// synthetic VP8 with chosen SSRCs, and vanishing without a DELETE (closing the socket, sending nothing).
/// </summary>
internal sealed class RawClient : IDisposable
{
    private static readonly DtlsCertificate Certificate = DtlsCertificate.Generate();

    private ushort _sequence;
    private uint _timestamp;

    private RawClient(UdpMux mux, WebRtcTransport transport, Uri location)
    {
        Mux = mux;
        Transport = transport;
        Location = location;
        transport.RtpReceived = (_, packet) => Received.Enqueue(packet.ToArray());
        transport.RtcpReceived = (_, packet) => ReceivedRtcp.Enqueue(packet.ToArray());
    }

    public UdpMux Mux { get; }

    public WebRtcTransport Transport { get; }

    public Uri Location { get; }

    public uint VideoSsrc { get; private init; }

    public ConcurrentQueue<byte[]> Received { get; } = new();

    public ConcurrentQueue<byte[]> ReceivedRtcp { get; } = new();

    /// <summary>The RTP timestamp of the last frame sent.</summary>
    public uint LastTimestamp => _timestamp - 3000;

    /// <summary>Leaves a hole in the sequence, as a packet lost on the way would.</summary>
    public void SkipSequenceNumbers(int count) => _sequence += (ushort)count;

    /// <summary>Sends one plain RTCP packet (our transport protects it).</summary>
    public void SendRtcp(ReadOnlySpan<byte> packet)
    {
        var buffer = new byte[packet.Length + 64];
        packet.CopyTo(buffer);
        Assert.True(Transport.SendRtcp(buffer, packet.Length));
    }

    /// <summary>Publishes VP8 (PT 96) on <paramref name="ssrc"/>, or subscribes when <paramref name="ssrc"/> is null.</summary>
    public static async Task<RawClient> ConnectAsync(HttpClient http, Uri endpoint, uint? ssrc = null)
    {
        var ice = IceParameters.Generate();
        var direction = ssrc is null ? MediaDirection.RecvOnly : MediaDirection.SendOnly;
        var vp8 = new RtpCodec(96, "VP8", 90000);
        vp8.Feedback.AddRange(["nack", "nack pli", "ccm fir"]);
        var offer = SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = ice.UsernameFragment,
            IcePwd = ice.Password,
            Fingerprint = Certificate.Fingerprint.ToString(),
            Media = [new SdpOfferMedia("video", direction, [vp8])
            {
                Configure = media =>
                {
                    if (ssrc is { } s)
                    {
                        media.AddSendStream(s, "raw", "raw", "raw-video");
                    }
                },
            }],
        });
        var response = await http.PostAsync(endpoint, new StringContent(offer.ToString(), System.Text.Encoding.UTF8, "application/sdp"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = SessionDescription.Parse(await response.Content.ReadAsStringAsync());
        var media = answer.Media[0];
        Assert.True(DtlsFingerprint.TryParse(media.Fingerprints.FirstOrDefault() ?? answer.Fingerprints[0], out var fingerprint));

        var mux = new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
        mux.Start();
        var transport = new WebRtcTransport(mux, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = ice,
            RemoteIce = new IceParameters(media.IceUfrag ?? answer.IceUfrag!, media.IcePwd ?? answer.IcePwd!),
            RemoteFingerprint = fingerprint,
            IceRole = IceRole.Controlling,
            DtlsRole = DtlsRole.Client,
        });
        foreach (var candidate in media.Candidates)
        {
            transport.AddRemoteCandidate(new IPEndPoint(IPAddress.Parse(candidate.Address), candidate.Port));
        }

        var client = new RawClient(mux, transport, new Uri(endpoint, response.Headers.Location!)) { VideoSsrc = ssrc ?? 0 };
        var connected = Await.State(transport, TransportState.Connected);
        transport.Start();
        await Await.WithTimeout(connected, TimeSpan.FromSeconds(10), "the raw client to connect");
        return client;
    }

    /// <summary>Sends one VP8 frame in <paramref name="packets"/> packets: a keyframe or an inter frame.</summary>
    public void SendFrame(bool keyframe, int packets = 3)
    {
        var buffer = new byte[1300];
        for (var i = 0; i < packets; i++)
        {
            buffer[0] = 0x80;
            buffer[1] = (byte)(96 | (i == packets - 1 ? 0x80 : 0));
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), _sequence++);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), _timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), VideoSsrc);

            // VP8 payload descriptor (RFC 7741 §4.2): S=1 on the frame's first packet; then the payload header's P bit.
            buffer[12] = (byte)(i == 0 ? 0x10 : 0x00);
            buffer[13] = (byte)(keyframe ? 0x00 : 0x01);
            buffer.AsSpan(14, 200).Fill((byte)i);
            Assert.True(Transport.SendRtp(buffer, 214));
        }

        _timestamp += 3000;
    }

    /// <summary>Gone without a word: the socket closes, no DELETE, no close_notify.</summary>
    public void Vanish() => Mux.Dispose();

    public void Dispose()
    {
        Mux.Dispose();
        Transport.Dispose();
    }
}
