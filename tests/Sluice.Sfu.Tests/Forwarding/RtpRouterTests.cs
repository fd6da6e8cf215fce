using System.Buffers.Binary;
using System.Net;
using System.Text;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// A publisher session with two video tracks sharing payload type 96 in one BUNDLE: the first announced by
/// <c>a=ssrc</c>, the second simulcast with rids <c>h</c> and <c>l</c>. Packets find their track and encoding as
/// RFC 8843 §9.2 orders it, and packets that name an unknown MID or RID are dropped and counted.
/// </summary>
public sealed class RtpRouterTests : IDisposable
{
    private const int MidId = 1;
    private const int RidId = 2;
    private const int RepairedRidId = 3;
    private const uint AnnouncedSsrc = 0x1111;

    private readonly SfuNode _node = new(new SfuOptions { MediaEndPoint = new IPEndPoint(IPAddress.Loopback, 0), AnnouncedAddresses = [IPAddress.Loopback] });
    private readonly PublisherSession _session;

    public RtpRouterTests()
    {
        var result = _node.Publish(new RoomId("routes"), Offer(bundle: true));
        Assert.Null(result.Error);
        _session = (PublisherSession)result.Value!.Session;
    }

    private RtpRouter Router => _session.Router;

    private PublishedTrack First => _session.PublishedTracks[0];

    private PublishedTrack Simulcast => _session.PublishedTracks[1];

    [Fact]
    public void The_answer_accepts_both_tracks_and_the_second_one_has_two_encodings()
    {
        Assert.Equal(2, _session.PublishedTracks.Length);
        Assert.Single(First.Encodings);
        Assert.Equal(["h", "l"], Simulcast.Encodings.Select(e => e.Rid));
    }

    [Fact]
    public void An_announced_ssrc_routes_without_any_extension()
    {
        Assert.Same(First.Encodings[0], Router.Route(Packet(AnnouncedSsrc, 96)));
    }

    [Fact]
    public void Mid_and_rid_route_to_the_encoding_and_the_ssrc_is_remembered()
    {
        var low = Router.Route(Packet(0x2222, 96, (MidId, "1"), (RidId, "l")));
        Assert.Same(Simulcast.Encodings[1], low);

        // Later packets of that SSRC carry no extensions (browsers stop sending them): the table knows them.
        Assert.Same(low, Router.Route(Packet(0x2222, 96)));
        Assert.Same(Simulcast.Encodings[0], Router.Route(Packet(0x3333, 96, (MidId, "1"), (RidId, "h"))));
    }

    [Fact]
    public void A_repaired_rid_makes_the_ssrc_that_encodings_rtx()
    {
        var high = Router.Route(Packet(0x4444, 97, (MidId, "1"), (RepairedRidId, "h")));
        Assert.Same(Simulcast.Encodings[0], high);
        Assert.Equal(0x4444u, high!.RtxSsrc);
    }

    [Fact]
    public void Unknown_mids_and_rids_are_dropped_and_counted()
    {
        Assert.Null(Router.Route(Packet(0x5555, 96, (MidId, "7"))));
        Assert.Null(Router.Route(Packet(0x6666, 96, (MidId, "1"), (RidId, "zz"))));
        Assert.Equal(1, Router.UnknownMid);
        Assert.Equal(1, Router.UnknownRid);

        // Neither was learned: the same SSRC with a valid MID and RID later routes normally.
        Assert.Same(Simulcast.Encodings[1], Router.Route(Packet(0x6666, 96, (MidId, "1"), (RidId, "l"))));
    }

    [Fact]
    public void A_payload_type_two_tracks_share_routes_nothing_by_itself()
    {
        Assert.Null(Router.Route(Packet(0x7777, 96)));
        Assert.Equal(1, Router.Unroutable);
        Assert.Null(Router.Route(new byte[5]));
    }

    [Fact]
    public void An_offer_whose_sections_are_not_bundled_is_refused_naming_bundle()
    {
        var result = _node.Publish(new RoomId("unbundled"), Offer(bundle: false));
        Assert.Equal(SfuErrorKind.UnusableOffer, result.Error?.Kind);
        Assert.Contains("BUNDLE", result.Error!.Message, StringComparison.Ordinal);
    }

    private static string Offer(bool bundle)
    {
        var ice = IceParameters.Generate();
        SdpOfferMedia Video(Action<MediaDescription> configure) => new("video", MediaDirection.SendOnly, [Vp8(), Rtx()])
        {
            Extmaps =
            [
                new SdpExtmap(MidId, null, SfuCodecs.Mid),
                new SdpExtmap(RidId, null, SfuCodecs.RtpStreamId),
                new SdpExtmap(RepairedRidId, null, SfuCodecs.RepairedRtpStreamId),
            ],
            Configure = configure,
        };

        var offer = SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = ice.UsernameFragment,
            IcePwd = ice.Password,
            Fingerprint = ForwardingLoopback.ClientCertificate.Fingerprint.ToString(),
            Media =
            [
                Video(m => m.AddSendStream(AnnouncedSsrc, "pub", "s", "camera")),
                Video(m =>
                {
                    m.Rids.Add(new SdpRid("h", RidDirection.Send));
                    m.Rids.Add(new SdpRid("l", RidDirection.Send));
                    m.Simulcast = new SdpSimulcast("h;l", null);
                }),
            ],
        });
        if (!bundle)
        {
            offer.Groups.Clear();
        }

        return offer.ToString();
    }

    private static RtpCodec Vp8()
    {
        var codec = new RtpCodec(96, "VP8", 90000);
        codec.Feedback.AddRange(["nack", "nack pli"]);
        return codec;
    }

    private static RtpCodec Rtx() => new(97, "rtx", 90000, null, "apt=96");

    /// <summary>An RTP packet with RFC 8285 one-byte header extensions and a few payload bytes.</summary>
    private static byte[] Packet(uint ssrc, byte payloadType, params (int Id, string Value)[] extensions)
    {
        var elements = new List<byte>();
        foreach (var (id, value) in extensions)
        {
            var data = Encoding.ASCII.GetBytes(value);
            elements.Add((byte)((id << 4) | (data.Length - 1)));
            elements.AddRange(data);
        }

        while (elements.Count % 4 != 0)
        {
            elements.Add(0);
        }

        var hasExtensions = extensions.Length > 0;
        var packet = new byte[12 + (hasExtensions ? 4 + elements.Count : 0) + 8];
        packet[0] = (byte)(0x80 | (hasExtensions ? 0x10 : 0));
        packet[1] = payloadType;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), 90000);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        if (hasExtensions)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), 0xBEDE);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(elements.Count / 4));
            elements.CopyTo(packet, 16);
        }

        return packet;
    }

    public void Dispose() => _node.Dispose();
}
