using Sluice.Sfu.Forwarding;
using System.Buffers.Binary;
using System.Net;
using Sluice.Media;
using Sluice.Media.Rtp;
using Sluice.Rtc;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// A real <see cref="SfuNode"/> on 127.0.0.1 with one publisher and N subscribers, each our own controlling
/// client (ICE, DTLS client, SRTP) on its own UDP socket: the mux routes by remote address, so one client
/// socket serves one session. The offers are real SDP carrying the clients' ICE credentials and certificate
/// fingerprint; the answers give the server's. The publisher sends one VP8 encoding, or three as SSRC-signalled
/// simulcast (<c>a=ssrc-group:SIM</c>), plus audio. bench/Sluice.Bench compiles this same file for its forward-path benchmarks.
/// </summary>
internal sealed class ForwardingLoopback : IDisposable
{
    public const string StreamId = "bench";
    public const uint VideoSsrc = 0x1111_0001;
    public const uint VideoRtxSsrc = 0x1111_0002;
    public const uint AudioSsrc = 0x1111_0003;
    public const int Vp8PayloadType = 96;

    /// <summary>The simulcast publisher's encodings, lowest first: encoding i is <see cref="VideoSsrc"/> + 0x10·i, its RTX <see cref="VideoRtxSsrc"/> + 0x10·i.</summary>
    public const int SimulcastEncodings = 3;

    /// <summary>The publisher's id for urn:3gpp:video-orientation; subscribers get the node's id (rewritten per packet).</summary>
    public const int OrientationExtensionId = 4;

    /// <summary>The subscribers' id for the transport-wide sequence number; they send transport-cc feedback every 100 ms (their mux heartbeat).</summary>
    public const int TransportCcExtensionId = 5;

    private const string VideoTrackId = "video";

    /// <summary>Length of the RTP header <see cref="CreateVideoPacket"/> writes: 12 fixed octets and one word of extensions.</summary>
    private const int HeaderLength = 20;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    private ForwardingLoopback(SfuNode node, Room stream, PublisherSession publisher, Client publisherClient, Client[] subscribers)
    {
        Node = node;
        Stream = stream;
        PublisherSession = publisher;
        Publisher = publisherClient;
        Subscribers = subscribers;
    }

    public static DtlsCertificate ClientCertificate { get; } = DtlsCertificate.Generate();

    public SfuNode Node { get; }

    public Room Stream { get; }

    /// <summary>The subscribers' sections fed by the publisher's video track.</summary>
    public IEnumerable<Subscription> VideoSubscriptions => Stream.FindTrack(MediaKind.Video)!.Sinks.OfType<Subscription>();

    /// <summary>The node's session for the publisher; its transport's <c>RtpReceived</c> is the forward path's entry.</summary>
    public PublisherSession PublisherSession { get; }

    public WebRtcTransport ServerPublisherTransport => PublisherSession.Transport;

    public Client Publisher { get; }

    public IReadOnlyList<Client> Subscribers { get; }

    /// <summary>Starts the node, connects the publisher and then the subscribers, and waits until the video slot forwards to all.</summary>
    /// <param name="subscriberCount">Subscribers to connect.</param>
    /// <param name="congestionControl">Whether the node estimates each subscriber's bandwidth from its feedback.</param>
    /// <param name="simulcast">
    /// Whether the publisher offers <see cref="SimulcastEncodings"/> VP8 encodings (see <see cref="SimulcastSsrc"/>)
    /// instead of one; subscribers then record the VP8 packets they receive (<see cref="Client.ReceivedVideo"/>).
    /// </param>
    /// <param name="maxSubscriberBitrate">
    /// The most any subscriber's estimate may be (and where it starts, up to 200 Mbit/s, or all of it above 1 Gbit/s):
    /// low enough, and the node paces what it sends faster than 2.5 times that.
    /// </param>
    public static async Task<ForwardingLoopback> StartAsync(int subscriberCount, bool congestionControl = true, bool simulcast = false, long maxSubscriberBitrate = 1_000_000_000)
    {
        var node = new SfuNode(new SfuOptions
        {
            MediaEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            AnnouncedAddresses = [IPAddress.Loopback],
            CongestionControl = congestionControl,

            // Tests and benchmarks send as fast as loopback carries: start the estimates where that is.
            InitialSubscriberBitrate = maxSubscriberBitrate > 1_000_000_000 ? maxSubscriberBitrate : Math.Min(200_000_000, maxSubscriberBitrate),
            MaxSubscriberBitrate = maxSubscriberBitrate,
        });
        var clients = new List<Client>();
        try
        {
            var (publisherClient, publisherSession) = await ConnectAsync(node, publish: true, simulcast);
            clients.Add(publisherClient);
            var connecting = new List<Task<(Client, SfuSession)>>();
            for (var i = 0; i < subscriberCount; i++)
            {
                connecting.Add(ConnectAsync(node, publish: false, simulcast));
            }

            var subscribers = new Client[subscriberCount];
            for (var i = 0; i < subscriberCount; i++)
            {
                (subscribers[i], _) = await connecting[i];
                clients.Add(subscribers[i]);
            }

            if (!node.TryGetRoom(new RoomId(StreamId), out var stream))
            {
                throw new InvalidOperationException("the stream is gone");
            }

            // Sessions activate on their transport's Connected event (on the node's receive thread): wait for the slot.
            await Until(() => stream!.FindTrack(MediaKind.Video)?.Sinks.Length == subscriberCount,
                () => $"the video track to be published with {subscriberCount} subscribers (has {stream!.FindTrack(MediaKind.Video)?.Sinks.Length ?? 0})");
            return new ForwardingLoopback(node, stream!, (PublisherSession)publisherSession, publisherClient, subscribers);
        }
        catch
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            node.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A plain VP8 RTP packet of <paramref name="length"/> octets: 12-octet header, a one-byte-header extension
    /// (RFC 8285 §4.2) carrying video orientation, a VP8 payload descriptor and payload header (RFC 7741 §4.2,
    /// §4.3). <paramref name="keyframeStart"/>: S=1, PID=0 and P=0 (what RtpKeyframe calls a keyframe start);
    /// otherwise a continuation packet (S=0). The buffer has room for the SRTP tag.
    /// </summary>
    public static byte[] CreateVp8Packet(int length, bool keyframeStart)
    {
        var packet = CreateVideoPacket(length, VideoSsrc);
        packet[HeaderLength] = keyframeStart ? (byte)0x10 : (byte)0x00; // VP8 descriptor: X=0, S, PID=0
        packet[HeaderLength + 1] = keyframeStart ? (byte)0x00 : (byte)0x01; // VP8 payload header: P (inverse key frame flag)
        FillPayload(packet, HeaderLength + 2, length);
        return packet;
    }

    /// <summary>The SSRC of simulcast encoding <paramref name="index"/>.</summary>
    public static uint SimulcastSsrc(int index) => VideoSsrc + 0x10 * (uint)index;

    /// <summary>
    /// A VP8 RTP packet of <paramref name="length"/> octets for <paramref name="ssrc"/>, its header up to the payload:
    /// the 12-octet header and a one-byte-header extension (RFC 8285 §4.2) carrying video orientation. The buffer has
    /// room for the SRTP tag; the sequence number and timestamp are zero.
    /// </summary>
    private static byte[] CreateVideoPacket(int length, uint ssrc)
    {
        var packet = new byte[length + 64];
        packet[0] = 0x90; // V=2, X=1
        packet[1] = Vp8PayloadType;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), 0xBEDE);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), 1); // one 32-bit word of extensions
        packet[16] = (byte)(OrientationExtensionId << 4); // id, L=0: one octet of data
        packet[17] = 0x01; // orientation: 90°
        return packet;
    }

    private static void FillPayload(byte[] packet, int from, int length)
    {
        for (var i = from; i < length; i++)
        {
            packet[i] = (byte)i;
        }
    }

    public static void SetSequenceAndTimestamp(Span<byte> packet, ushort sequenceNumber, uint timestamp)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
    }

    private static async Task<(Client Client, SfuSession Session)> ConnectAsync(SfuNode node, bool publish, bool simulcast)
    {
        var localIce = IceParameters.Generate();
        var offer = SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Fingerprint = ClientCertificate.Fingerprint.ToString(),
            Media = publish ? PublisherMedia(simulcast) : SubscriberMedia(),
        }).ToString();
        var result = publish ? node.Publish(new RoomId(StreamId), offer) : node.Subscribe(new RoomId(StreamId), offer);
        if (result.Error is { } error)
        {
            throw new InvalidOperationException($"the node refused the {(publish ? "publish" : "subscribe")} offer: {error}");
        }

        var answer = result.Value!;

        var parsed = SessionDescription.Parse(answer.Sdp);
        var media = parsed.Media.First(m => m.Port != 0);
        var remoteIce = new IceParameters(media.IceUfrag ?? parsed.IceUfrag!, media.IcePwd ?? parsed.IcePwd!);
        if (!DtlsFingerprint.TryParse(media.Fingerprints.FirstOrDefault() ?? parsed.Fingerprints.FirstOrDefault(), out var fingerprint))
        {
            throw new InvalidOperationException("the answer has no usable fingerprint");
        }

        var candidate = parsed.Media.SelectMany(m => m.Candidates).First(c => c.Component == 1 && c.Transport == "udp");
        var client = new Client(localIce, remoteIce, fingerprint!, transportCcId: publish ? 0 : TransportCcExtensionId, recordVideo: simulcast && !publish);
        var serverTransport = answer.Session.Transport;
        var connected = Task.WhenAll(WhenConnected(client.Transport), WhenConnected(serverTransport));
        client.Transport.AddRemoteCandidate(new IPEndPoint(IPAddress.Parse(candidate.Address), candidate.Port));
        client.Mux.Start();
        client.Transport.Start();
        if (await Task.WhenAny(connected, Task.Delay(ConnectTimeout)) != connected)
        {
            client.Dispose();
            throw new TimeoutException($"the {(publish ? "publisher" : "subscriber")} did not connect: client ICE {client.Transport.IceState}, DTLS {client.Transport.DtlsState}; server {serverTransport.State}");
        }

        await connected;
        return (client, answer.Session);
    }

    private static List<SdpOfferMedia> PublisherMedia(bool simulcast) =>
    [
        new SdpOfferMedia("video", MediaDirection.SendOnly, VideoCodecs())
        {
            Extmaps = [new SdpExtmap(OrientationExtensionId, null, SfuCodecs.VideoOrientation)],
            Configure = m =>
            {
                m.AddSendStream(VideoSsrc, "publisher", StreamId, VideoTrackId, VideoRtxSsrc);
                if (simulcast)
                {
                    AddSimulcastStreams(m);
                }
            },
        },
        new SdpOfferMedia("audio", MediaDirection.SendOnly, [Opus()])
        {
            Configure = m => m.AddSendStream(AudioSsrc, "publisher", StreamId, "audio"),
        },
    ];

    /// <summary>
    /// The other encodings of an SSRC-signalled simulcast send stream, as libwebrtc announces one (RFC 5576): an
    /// <c>a=ssrc-group:SIM</c> of the media SSRCs, lowest first, and an <c>a=ssrc-group:FID</c> pairing each with its RTX.
    /// </summary>
    private static void AddSimulcastStreams(MediaDescription m)
    {
        var msid = $"{StreamId} {VideoTrackId}";
        var ssrcs = new List<uint> { VideoSsrc };
        for (var i = 1; i < SimulcastEncodings; i++)
        {
            var ssrc = SimulcastSsrc(i);
            var rtx = VideoRtxSsrc + (ssrc - VideoSsrc);
            ssrcs.Add(ssrc);
            m.SsrcGroups.Add(new SdpSsrcGroup(SdpSsrcGroup.Fid, [ssrc, rtx]));
            foreach (var announced in (uint[])[ssrc, rtx])
            {
                m.Ssrcs.Add(new SdpSsrc(announced, "cname", "publisher"));
                m.Ssrcs.Add(new SdpSsrc(announced, "msid", msid));
            }
        }

        m.SsrcGroups.Insert(0, new SdpSsrcGroup("SIM", ssrcs));
    }

    private static List<SdpOfferMedia> SubscriberMedia() =>
    [
        new SdpOfferMedia("video", MediaDirection.RecvOnly, VideoCodecs(transportCc: true))
        {
            Extmaps =
            [
                new SdpExtmap(OrientationExtensionId + 3, null, SfuCodecs.VideoOrientation),
                new SdpExtmap(TransportCcExtensionId, null, SfuCodecs.TransportWideCc),
            ],
        },
        new SdpOfferMedia("audio", MediaDirection.RecvOnly, [Opus()]),
    ];

    private static List<RtpCodec> VideoCodecs(bool transportCc = false)
    {
        var vp8 = new RtpCodec(Vp8PayloadType, "VP8", 90000);
        vp8.Feedback.AddRange(["nack", "nack pli", "ccm fir", "goog-remb"]);
        if (transportCc)
        {
            vp8.Feedback.Add("transport-cc");
        }

        return [vp8, new RtpCodec(Vp8PayloadType + 1, "rtx", 90000, null, $"apt={Vp8PayloadType}")];
    }

    private static RtpCodec Opus() => new(111, "opus", 48000, 2, "minptime=10;useinbandfec=1");

    private static Task WhenConnected(WebRtcTransport transport)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.StateChanged += (t, state) =>
        {
            if (state == TransportState.Connected)
            {
                done.TrySetResult();
            }
            else if (state is TransportState.Failed or TransportState.Closed)
            {
                done.TrySetException(new InvalidOperationException($"transport went {state}: {t.FailureReason}"));
            }
        };
        if (transport.State == TransportState.Connected)
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    /// <summary>Polls <paramref name="condition"/> every 5 ms; throws a <see cref="TimeoutException"/> naming <paramref name="what"/> after 20 s.</summary>
    internal static async Task Until(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + ConnectTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what());
            }

            await Task.Delay(5);
        }
    }

    public void Dispose()
    {
        foreach (var subscriber in Subscribers)
        {
            subscriber.Dispose();
        }

        Publisher.Dispose();
        Node.Dispose();
    }

    /// <summary>
    /// One client: its own socket and a controlling transport; counts the RTP it receives and, given the
    /// transport-wide sequence number's id, records arrivals and sends transport-cc feedback on its mux's heartbeat.
    /// Asked to, it also records every VP8 packet it receives (<see cref="ReceivedVideo"/>).
    /// </summary>
    internal sealed class Client : IDisposable
    {
        private const uint FeedbackSsrc = 0x2222_0001;
        private readonly TransportCcRecorder _arrivals = new();
        private readonly int _transportCcId;
        private readonly List<ReceivedVp8Packet>? _video;
        private readonly List<ReceivedVp8Packet> _retransmitted = [];
        private readonly List<(ushort SequenceNumber, uint Timestamp)> _padding = [];
        private long _rtpReceived;
        private long _rtxReceived;

        public Client(IceParameters localIce, IceParameters remoteIce, DtlsFingerprint serverFingerprint, int transportCcId = 0, bool recordVideo = false)
        {
            _transportCcId = transportCcId;
            _video = recordVideo ? [] : null;
            Mux = new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
            Transport = new WebRtcTransport(Mux, new WebRtcTransportOptions
            {
                Certificate = ClientCertificate,
                LocalIce = localIce,
                RemoteIce = remoteIce,
                RemoteFingerprint = serverFingerprint,
                IceRole = IceRole.Controlling,
                DtlsRole = DtlsRole.Client,
            });
            Transport.RtpReceived = OnRtp;
            Transport.RtcpReceived = OnRtcp;
            if (transportCcId != 0)
            {
                Mux.HeartbeatTick = SendFeedback;
            }
        }

        public UdpMux Mux { get; }

        public WebRtcTransport Transport { get; }

        /// <summary>Media RTP packets received (the RTX stream's are not counted here).</summary>
        public long RtpReceived => Interlocked.Read(ref _rtpReceived);

        /// <summary>Packets received on the RTX stream: retransmissions and the node's bandwidth probes.</summary>
        public long RtxReceived => Interlocked.Read(ref _rtxReceived);

        /// <summary>Transport-cc feedback packets sent to the node.</summary>
        public long FeedbacksSent => _arrivals.FeedbacksWritten;

        /// <summary>
        /// The VP8 packets received on the RTX stream as the originals they carry (sequence number: the OSN), when
        /// the client records video; probes that copy packets come here too, padding does not.
        /// </summary>
        public ReceivedVp8Packet[] Retransmitted
        {
            get
            {
                lock (_retransmitted)
                {
                    return [.. _retransmitted];
                }
            }
        }

        /// <summary>Padding-only packets received on the video stream (not the RTX stream's), when the client records video.</summary>
        public (ushort SequenceNumber, uint Timestamp)[] ReceivedPadding
        {
            get
            {
                lock (_padding)
                {
                    return [.. _padding];
                }
            }
        }

        /// <summary>Asks the node to resend <paramref name="sequenceNumbers"/> of the video stream <paramref name="mediaSsrc"/> (a generic NACK).</summary>
        public void SendNack(uint mediaSsrc, params ushort[] sequenceNumbers)
        {
            Span<byte> buffer = stackalloc byte[256];
            var writer = new RtcpWriter(buffer);
            writer.WriteNack(FeedbackSsrc, mediaSsrc, sequenceNumbers);
            Transport.SendRtcp(buffer, writer.Length);
        }

        /// <summary>Called with the media SSRC of every PLI the node sends, on the client's receive thread.</summary>
        public Action<uint>? KeyframeRequested { get; set; }

        /// <summary>The VP8 packets received so far, in arrival order (empty unless the client records them).</summary>
        public ReceivedVp8Packet[] ReceivedVideo
        {
            get
            {
                if (_video is null)
                {
                    return [];
                }

                lock (_video)
                {
                    return [.. _video];
                }
            }
        }

        private void OnRtp(WebRtcTransport transport, Span<byte> packet)
        {
            if (!RtpPacket.TryParse(packet, out var rtp))
            {
                return;
            }

            // Retransmissions and bandwidth probes come on the RTX stream: counted apart from the media.
            Interlocked.Increment(ref rtp.PayloadType == Vp8PayloadType + 1 ? ref _rtxReceived : ref _rtpReceived);

            _arrivals.OnRtp(packet, _transportCcId, Microseconds.Now(TimeProvider.System));

            if (_video is not null && rtp.PayloadType == Vp8PayloadType && rtp.Payload.IsEmpty && rtp.HasPadding)
            {
                lock (_padding)
                {
                    _padding.Add((rtp.SequenceNumber, rtp.Timestamp));
                }
            }

            if (_video is not null && rtp.PayloadType == Vp8PayloadType && ReceivedVp8Packet.TryRead(rtp, out var received))
            {
                lock (_video)
                {
                    _video.Add(received);
                }
            }

            if (_video is not null && rtp.PayloadType == Vp8PayloadType + 1 && rtp.Payload.Length > 2
                && Rtx.TryUnwrapInPlace(packet, Vp8PayloadType, rtp.Ssrc, out var original) && RtpPacket.TryParse(original, out var inner)
                && ReceivedVp8Packet.TryRead(inner, out var resent))
            {
                lock (_retransmitted)
                {
                    _retransmitted.Add(resent);
                }
            }
        }

        private void OnRtcp(WebRtcTransport transport, Span<byte> datagram)
        {
            var reader = new RtcpCompoundReader(datagram);
            while (KeyframeRequested is { } requested && reader.TryReadNext(out var packet))
            {
                if (PictureLossIndication.TryParse(packet, out var pli))
                {
                    requested(pli.MediaSsrc);
                }
            }
        }

        private void SendFeedback() => _arrivals.SendFeedback(Transport, FeedbackSsrc, VideoSsrc);

        public void Dispose()
        {
            Transport.Dispose();
            Mux.Dispose();
        }
    }

    /// <summary>
    /// One VP8 encoding of the simulcast publisher, with its own sequence-number, timestamp, PictureID and TL0PICIDX
    /// series from the bases given, as each encoder of a real simulcast publisher has. Every packet's descriptor has
    /// X=1, I=1 with the 15-bit PictureID (M=1), L=1 and T=1 (RFC 7741 §4.2). Frames come in two temporal layers
    /// (L1T2: TID 0 and 1 alternate) or three (L1T3, Chromium's for VP8 simulcast: TID 0, 2, 1, 2; Y set on the
    /// frames that reference only TID 0); a keyframe restarts the pattern, and TL0PICIDX counts the TID 0 frames. The
    /// last payload octet of every packet is the encoding's index (<see cref="ReceivedVp8Packet.Tag"/>).
    /// </summary>
    internal sealed class Vp8Encoding(int index, ushort sequenceNumber, uint timestamp, int pictureId, byte tl0PicIdx, int temporalLayers = 2)
    {
        /// <summary>90 kHz ticks per frame at 30 frames per second.</summary>
        public const uint FrameTicks = 3000;

        private const int DescriptorLength = 6;
        private static readonly int[] L1T3 = [0, 2, 1, 2];
        private ushort _sequenceNumber = sequenceNumber;
        private uint _timestamp = timestamp;
        private int _pictureId = pictureId & 0x7FFF;
        private byte _tl0PicIdx = tl0PicIdx;
        private int _sinceKeyframe;
        private bool _started;

        public int Index => index;

        public uint Ssrc => SimulcastSsrc(index);

        /// <summary>
        /// The next frame (<see cref="FrameTicks"/> after the previous one) as <paramref name="packets"/> packets of
        /// <paramref name="length"/> octets, the last with the marker bit. The buffers have room for the SRTP tag.
        /// </summary>
        public byte[][] NextFrame(bool keyframe, int packets, int length)
        {
            _sinceKeyframe = keyframe ? 0 : _sinceKeyframe + 1;
            var position = _sinceKeyframe % (temporalLayers == 3 ? 4 : 2);
            var temporalId = temporalLayers == 3 ? L1T3[position] : position;
            var layerSync = temporalLayers != 3 || position != 3;
            if (temporalId == 0 && _started)
            {
                _tl0PicIdx++;
            }

            _started = true;
            var frame = new byte[packets][];
            for (var i = 0; i < packets; i++)
            {
                var packet = CreateVideoPacket(length, Ssrc);
                SetSequenceAndTimestamp(packet, _sequenceNumber++, _timestamp);
                if (i == packets - 1)
                {
                    packet[1] |= 0x80; // M: the frame's last packet
                }

                var descriptor = packet.AsSpan(HeaderLength);
                descriptor[0] = (byte)(0x80 | (i == 0 ? 0x10 : 0)); // X=1, S on the first packet, PID=0
                descriptor[1] = 0xE0; // I, L, T
                descriptor[2] = (byte)(0x80 | (_pictureId >> 8)); // M=1: 15-bit PictureID
                descriptor[3] = (byte)_pictureId;
                descriptor[4] = _tl0PicIdx;
                descriptor[5] = (byte)((temporalId << 6) | (layerSync ? 0x20 : 0)); // TID, Y, KEYIDX unused
                FillPayload(packet, HeaderLength + DescriptorLength, length);

                // The VP8 payload header's P bit (RFC 7741 §4.3): 0 for a keyframe; only the first packet has the header.
                descriptor[DescriptorLength] = i == 0 && keyframe ? (byte)0x00 : (byte)0x01;
                packet[length - 1] = (byte)index;
                frame[i] = packet;
            }

            _pictureId = (_pictureId + 1) & 0x7FFF;
            _timestamp += FrameTicks;
            return frame;
        }
    }

    /// <summary>
    /// One VP8 packet as a subscriber received it: its SSRC, sequence number and timestamp; from its descriptor
    /// (RFC 7741 §4.2) the PictureID and TL0PICIDX where present and whether it starts a frame or a keyframe; and
    /// <see cref="Tag"/>, its last payload octet (the encoding index a <see cref="Vp8Encoding"/> writes there).
    /// </summary>
    internal readonly record struct ReceivedVp8Packet(
        uint Ssrc, ushort SequenceNumber, uint Timestamp, int? PictureId, int? Tl0PicIdx, bool FrameStart, bool KeyframeStart, byte Tag, int? TemporalId = null, bool LayerSync = false)
    {
        /// <summary>Reads <paramref name="rtp"/>; false when its payload is too short for the descriptor it announces.</summary>
        public static bool TryRead(in RtpPacket rtp, out ReceivedVp8Packet received)
        {
            received = default;
            var payload = rtp.Payload;
            if (payload.Length < 2)
            {
                return false;
            }

            int? pictureId = null, tl0PicIdx = null;
            if ((payload[0] & 0x80) != 0)
            {
                var extension = payload[1];
                var offset = 2;
                if ((extension & 0x80) != 0 && offset + 2 <= payload.Length)
                {
                    var wide = (payload[offset] & 0x80) != 0;
                    pictureId = wide ? ((payload[offset] & 0x7F) << 8) | payload[offset + 1] : payload[offset] & 0x7F;
                    offset += wide ? 2 : 1;
                }

                if ((extension & 0x40) != 0 && offset < payload.Length)
                {
                    tl0PicIdx = payload[offset];
                }
            }

            received = new ReceivedVp8Packet(rtp.Ssrc, rtp.SequenceNumber, rtp.Timestamp, pictureId, tl0PicIdx,
                RtpKeyframe.IsFrameStart(MediaCodec.VP8, payload), RtpKeyframe.IsKeyframeStart(MediaCodec.VP8, payload), payload[^1],
                RtpTemporalLayer.TryRead(MediaCodec.VP8, payload, out var temporalId, out var layerSync) ? temporalId : null, layerSync);
            return true;
        }
    }
}
