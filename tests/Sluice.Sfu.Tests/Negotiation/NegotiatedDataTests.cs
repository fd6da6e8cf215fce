using Sluice.Rtc.Sdp;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Tests.Negotiation;

/// <summary>
/// Which data section two descriptions agree on, for a peer's offer with the node's answer and for the node's own
/// offer (a cascade) with the other server's answer.
/// </summary>
public sealed class NegotiatedDataTests
{
    [Fact]
    public void A_bundle_only_data_section_of_an_offer_is_accepted_with_the_peers_port()
    {
        // GStreamer's max-bundle offer: sections after the first have port 0 and a=bundle-only (RFC 8843 §6).
        var offer = Description(port: 0, bundleOnly: true, sctpPort: 5001);
        var answer = Description(port: 9, bundleOnly: false, sctpPort: 5000);
        var data = NegotiatedData.From(offer, answer);
        Assert.NotNull(data);
        Assert.Equal(("1", 5001), (data.Mid, data.RemotePort));
    }

    [Fact]
    public void A_data_section_the_other_side_refused_is_none()
    {
        var ours = Description(port: 9, bundleOnly: false, sctpPort: 5000);
        var refused = Description(port: 0, bundleOnly: false, sctpPort: 5000);
        Assert.Null(NegotiatedData.From(refused, ours));
        Assert.Null(NegotiatedData.From(ours, refused));
    }

    private static SessionDescription Description(int port, bool bundleOnly, int sctpPort)
    {
        var description = new SessionDescription();
        description.Media.Add(new MediaDescription("audio", 9, MediaDescription.RtpProtocol) { Mid = "0" });
        var data = new MediaDescription("application", port, MediaDescription.SctpProtocol) { Mid = "1", SctpPort = sctpPort };
        data.Formats.Add(MediaDescription.DataChannelFormat);
        if (bundleOnly)
        {
            data.Attributes.Add(new SdpAttribute("bundle-only", null));
        }

        description.Media.Add(data);
        return description;
    }
}
