using Sluice.Sfu.Forwarding;
using System.Buffers.Binary;
using System.Net;
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
/// fingerprint; the answers give the server's. bench/Sluice.Bench compiles this same file for its forward-path benchmarks.
/// </summary>
internal sealed class ForwardingLoopback : IDisposable
{
    public const string StreamId = "bench";
    public const uint VideoSsrc = 0x1111_0001;
    public const uint VideoRtxSsrc = 0x1111_0002;
    public const uint AudioSsrc = 0x1111_0003;
    public const int Vp8PayloadType = 96;

    /// <summary>The publisher's id for urn:3gpp:video-orientation; subscribers get the node's id (rewritten per packet).</summary>
    public const int OrientationExtensionId = 4;

    /// <summary>The subscribers' id for the transport-wide sequence number; they send transport-cc feedback every 100 ms (their mux heartbeat).</summary>
    public const int TransportCcExtensionId = 5;

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
    public static async Task<ForwardingLoopback> StartAsync(int subscriberCount, bool congestionControl = true)
    {
        var node = new SfuNode(new SfuOptions
        {
            MediaEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            AnnouncedAddresses = [IPAddress.Loopback],
            CongestionControl = congestionControl,

            // Tests and benchmarks send as fast as loopback carries: start the estimates where that is.
            InitialSubscriberBitrate = 200_000_000,
            MaxSubscriberBitrate = 1_000_000_000,
        });
        var clients = new List<Client>();
        try
        {
            var (publisherClient, publisherSession) = await ConnectAsync(node, publish: true);
            clients.Add(publisherClient);
            var connecting = new List<Task<(Client, SfuSession)>>();
            for (var i = 0; i < subscriberCount; i++)
            {
                connecting.Add(ConnectAsync(node, publish: false));
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
        var packet = new byte[length + 64];
        packet[0] = 0x90; // V=2, X=1
        packet[1] = Vp8PayloadType;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), VideoSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), 0xBEDE);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), 1); // one 32-bit word of extensions
        packet[16] = (byte)(OrientationExtensionId << 4); // id, L=0: one octet of data
        packet[17] = 0x01; // orientation: 90°
        packet[20] = keyframeStart ? (byte)0x10 : (byte)0x00; // VP8 descriptor: X=0, S, PID=0
        packet[21] = keyframeStart ? (byte)0x00 : (byte)0x01; // VP8 payload header: P (inverse key frame flag)
        for (var i = 22; i < length; i++)
        {
            packet[i] = (byte)i;
        }

        return packet;
    }

    public static void SetSequenceAndTimestamp(Span<byte> packet, ushort sequenceNumber, uint timestamp)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
    }

    private static async Task<(Client Client, SfuSession Session)> ConnectAsync(SfuNode node, bool publish)
    {
        var localIce = IceParameters.Generate();
        var offer = SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Fingerprint = ClientCertificate.Fingerprint.ToString(),
            Media = publish ? PublisherMedia() : SubscriberMedia(),
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
        var client = new Client(localIce, remoteIce, fingerprint!, transportCcId: publish ? 0 : TransportCcExtensionId);
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

    private static List<SdpOfferMedia> PublisherMedia() =>
    [
        new SdpOfferMedia("video", MediaDirection.SendOnly, VideoCodecs())
        {
            Extmaps = [new SdpExtmap(OrientationExtensionId, null, SfuCodecs.VideoOrientation)],
            Configure = m => m.AddSendStream(VideoSsrc, "publisher", StreamId, "video", VideoRtxSsrc),
        },
        new SdpOfferMedia("audio", MediaDirection.SendOnly, [Opus()])
        {
            Configure = m => m.AddSendStream(AudioSsrc, "publisher", StreamId, "audio"),
        },
    ];

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

    private static async Task Until(Func<bool> condition, Func<string> what)
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
    /// </summary>
    internal sealed class Client : IDisposable
    {
        private const uint FeedbackSsrc = 0x2222_0001;
        private readonly TransportCcRecorder _arrivals = new();
        private readonly int _transportCcId;
        private long _rtpReceived;

        public Client(IceParameters localIce, IceParameters remoteIce, DtlsFingerprint serverFingerprint, int transportCcId = 0)
        {
            _transportCcId = transportCcId;
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
            if (transportCcId != 0)
            {
                Mux.HeartbeatTick = SendFeedback;
            }
        }

        public UdpMux Mux { get; }

        public WebRtcTransport Transport { get; }

        public long RtpReceived => Interlocked.Read(ref _rtpReceived);

        /// <summary>Transport-cc feedback packets sent to the node.</summary>
        public long FeedbacksSent => _arrivals.FeedbacksWritten;

        private void OnRtp(WebRtcTransport transport, Span<byte> packet)
        {
            Interlocked.Increment(ref _rtpReceived);
            if (_transportCcId != 0 && RtpPacket.TryParse(packet, out var rtp) && rtp.TryGetExtension(_transportCcId, out var sequence) && sequence.Length == 2)
            {
                _arrivals.OnPacket(BinaryPrimitives.ReadUInt16BigEndian(sequence), Microseconds.Now(TimeProvider.System));
            }
        }

        private void SendFeedback()
        {
            Span<byte> buffer = stackalloc byte[1200];
            int length;
            while ((length = _arrivals.WriteFeedback(buffer, FeedbackSsrc, VideoSsrc)) > 0)
            {
                Transport.SendRtcp(buffer, length);
            }
        }

        public void Dispose()
        {
            Transport.Dispose();
            Mux.Dispose();
        }
    }
}
