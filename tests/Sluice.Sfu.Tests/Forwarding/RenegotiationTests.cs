using System.Net;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// A publisher's subsequent offers on its live session (RFC 8829 §5.2.2): a new section is a new track and the
/// others keep theirs; an offer that changes the transport or drops a section is refused and changes nothing.
/// </summary>
public sealed class RenegotiationTests : IDisposable
{
    private readonly SfuNode _node = new(new SfuOptions { MediaEndPoint = new IPEndPoint(IPAddress.Loopback, 0), AnnouncedAddresses = [IPAddress.Loopback] });
    private readonly IceParameters _ice = IceParameters.Generate();

    [Fact]
    public void A_new_section_adds_a_track_and_the_existing_track_keeps_its_identity()
    {
        var session = Publish(out var room);
        var camera = session.PublishedTracks.Single();

        var result = _node.Renegotiate(room, session.Id, Offer(_ice, videos: 2), ifMatch: null);

        Assert.Null(result.Error);
        Assert.Equal(2, session.PublishedTracks.Length);
        Assert.Same(camera, session.PublishedTracks[0]);
        var answer = SessionDescription.Parse(result.Value!.Sdp);
        Assert.Equal(["0", "1"], answer.Media.Select(m => m.Mid));
        Assert.All(answer.Media, m => Assert.Equal(MediaDirection.RecvOnly, m.Direction));
    }

    [Fact]
    public void A_stopped_section_ends_its_track()
    {
        var session = Publish(out var room, videos: 2);
        var offer = SessionDescription.Parse(Offer(_ice, videos: 2));
        offer.Media[1].Direction = MediaDirection.Inactive;

        var result = _node.Renegotiate(room, session.Id, offer.ToString(), ifMatch: null);

        Assert.Null(result.Error);
        Assert.Single(session.PublishedTracks);
        Assert.Equal(MediaDirection.Inactive, SessionDescription.Parse(result.Value!.Sdp).Media[1].Direction);
    }

    [Fact]
    public void New_ice_credentials_a_dropped_section_or_a_stale_etag_are_refused_and_nothing_changes()
    {
        var session = Publish(out var room, videos: 2);
        var tracks = session.PublishedTracks;

        var restart = _node.Renegotiate(room, session.Id, Offer(IceParameters.Generate(), videos: 2), ifMatch: null);
        var dropped = _node.Renegotiate(room, session.Id, Offer(_ice, videos: 1), ifMatch: null);
        var stale = _node.Renegotiate(room, session.Id, Offer(_ice, videos: 3), ifMatch: "\"old\"");
        var malformed = _node.Renegotiate(room, session.Id, "v=0\r\nm=nonsense", ifMatch: null);

        Assert.Equal(SfuErrorKind.UnusableOffer, restart.Error?.Kind);
        Assert.Contains("trickle-ice-sdpfrag", restart.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(SfuErrorKind.UnusableOffer, dropped.Error?.Kind);
        Assert.Equal(SfuErrorKind.PreconditionFailed, stale.Error?.Kind);
        Assert.Equal(SfuErrorKind.InvalidSdp, malformed.Error?.Kind);
        Assert.Equal(tracks, session.PublishedTracks);
    }

    [Fact]
    public void A_subscriber_cannot_re_offer_and_a_publisher_gets_no_node_offer()
    {
        var publisher = Publish(out var room);
        var subscriber = _node.Subscribe(room, Offer(IceParameters.Generate(), videos: 1, MediaDirection.RecvOnly)).Value!.Session;

        Assert.Equal(SfuErrorKind.Conflict, _node.Renegotiate(room, subscriber.Id, Offer(_ice, videos: 1), ifMatch: null).Error?.Kind);
        Assert.Equal(SfuErrorKind.Conflict, _node.CreateOffer(room, publisher.Id).Error?.Kind);
        Assert.Equal(SfuErrorKind.Conflict, _node.ApplyAnswer(room, subscriber.Id, "v=0").Error?.Kind);
    }

    private PublisherSession Publish(out RoomId room, int videos = 1)
    {
        room = new RoomId("r" + Guid.NewGuid().ToString("N")[..8]);
        var result = _node.Publish(room, Offer(_ice, videos));
        Assert.Null(result.Error);
        return (PublisherSession)result.Value!.Session;
    }

    private static string Offer(IceParameters ice, int videos, MediaDirection direction = MediaDirection.SendOnly)
    {
        var media = new List<SdpOfferMedia>();
        for (var i = 0; i < videos; i++)
        {
            var n = i;
            media.Add(new SdpOfferMedia("video", direction, [new RtpCodec(96, "VP8", 90000)])
            {
                Configure = direction == MediaDirection.SendOnly ? m => m.AddSendStream(0x100u + (uint)n, "pub", "s", "video" + n) : null,
            });
        }

        return SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = ice.UsernameFragment,
            IcePwd = ice.Password,
            Fingerprint = ForwardingLoopback.ClientCertificate.Fingerprint.ToString(),
            Media = media,
        }).ToString();
    }

    public void Dispose() => _node.Dispose();
}
