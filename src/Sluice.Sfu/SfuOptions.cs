using System.Net;

namespace Sluice.Sfu;

public sealed class SfuOptions
{
    /// <summary>Where the media socket binds (every session shares it).</summary>
    public IPEndPoint MediaEndPoint { get; set; } = new(IPAddress.Any, 7777);

    /// <summary>The addresses put in ICE candidates, with the media port.</summary>
    public IReadOnlyList<IPAddress> AnnouncedAddresses { get; set; } = [IPAddress.Loopback];

    /// <summary>Bitrate a video publisher is told it may use (REMB).</summary>
    public ulong MaxVideoBitrate { get; set; } = 5_000_000;

    /// <summary>
    /// Estimate each subscriber's bandwidth from its transport-cc feedback (or REMB) and choose its layers within it;
    /// off, every subscriber gets each track's best layer.
    /// </summary>
    public bool CongestionControl { get; set; } = true;

    /// <summary>Where a subscriber's estimate starts, bit/s, before its feedback says more.</summary>
    public long InitialSubscriberBitrate { get; set; } = 1_000_000;

    /// <summary>The most a subscriber's estimate may reach, bit/s.</summary>
    public long MaxSubscriberBitrate { get; set; } = 20_000_000;

    /// <summary>A session with no ICE consent for this long is closed (RFC 7675).</summary>
    public TimeSpan ConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A session with no ICE consent for this long is reported disconnected.</summary>
    public TimeSpan DisconnectTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// In a conference, a session whose peer sent nothing (no binding request, no media) for this long ends, and the
    /// others are told the person left (weever-streaming: 6 s to failed); a session that never connects ends after it too.
    /// </summary>
    public TimeSpan ConferenceConsentTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>In a conference, a session whose peer sent nothing for this long is reported disconnected (weever: 3 s).</summary>
    public TimeSpan ConferenceDisconnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Bytes one data channel toward a peer may hold unacknowledged; a peer that stops reading gets its messages
    /// dropped (and counted) past this, so the node's memory stays flat.
    /// </summary>
    public long DataChannelBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Data channels agreed out of band (<c>negotiated: true, id: N</c> in the browser), by stream id: a message on
    /// such an id is accepted as that channel without DCEP. Messages on other ids never opened are dropped and counted.
    /// </summary>
    public IReadOnlyDictionary<ushort, string> NegotiatedDataChannels { get; set; } = new Dictionary<ushort, string>();
}
