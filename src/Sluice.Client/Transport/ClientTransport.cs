using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sluice.Client.Sdp;
using Sluice.Rtc;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Transport;

namespace Sluice.Client.Transport;

/// <summary>
/// The client end of one WHIP/WHEP session: our own UDP socket (the mux routes by remote address, so one
/// socket serves exactly one server-facing transport), a controlling ICE agent and a DTLS client
/// (the server answers <c>a=setup:passive</c>, RFC 8842 §5.3).
/// </summary>
internal sealed class ClientTransport : IDisposable
{
    private static readonly Lazy<DtlsCertificate> SharedCertificate = new(DtlsCertificate.Generate);

    private readonly TimeProvider _time;
    private readonly TransportCcRecorder _arrivals = new();
    private readonly uint _feedbackSsrc = (uint)Random.Shared.Next(1, int.MaxValue);
    private int _transportCcId;
    private uint _mediaSsrc;
    private OutboundTransport? _outbound;
    private WebRtcTransport? _transport;

    private readonly IceAgentOptions? _ice;

    /// <param name="ice">ICE timers (consent checks, disconnect and failure timeouts); the defaults when null.</param>
    public ClientTransport(TimeProvider? time = null, IceAgentOptions? ice = null)
    {
        _ice = ice;
        _time = time ?? TimeProvider.System;
        LocalIce = IceParameters.Generate();
    }

    /// <summary>One certificate for the whole process: generating one per subscriber would slow the load test.</summary>
    public static DtlsCertificate Certificate => SharedCertificate.Value;

    public IceParameters LocalIce { get; }

    /// <summary>Our fingerprint as the offer's <c>a=fingerprint</c> value.</summary>
    public string Fingerprint => Certificate.Fingerprint.ToString();

    /// <summary>Plain RTP from the server, valid only during the call (on the socket's receive thread).</summary>
    public RtpPacketHandler? RtpReceived { get; set; }

    /// <summary>Plain RTCP from the server, valid only during the call (on the socket's receive thread).</summary>
    public RtpPacketHandler? RtcpReceived { get; set; }

    public TransportState State => _transport?.State ?? TransportState.New;

    /// <summary>Raised on a transport thread each time the transport goes disconnected (it may recover), failed or closed.</summary>
    public event Action<ClientTransport>? Down;

    public string? FailureReason => _transport?.FailureReason;

    public IPEndPoint? LocalEndPoint => _outbound?.LocalEndPoint;

    /// <summary>The session's data channels, when <see cref="EnableData"/> was called before connecting.</summary>
    public DataChannelEndpoint? Data { get; private set; }

    /// <summary>
    /// Carries data channels on this transport (the answer accepted our <c>m=application</c>): we are the DTLS
    /// client, so our association sends INIT once DTLS is up; its timers run on the socket's heartbeat.
    /// </summary>
    public DataChannelEndpoint EnableData(int remotePort, int remoteMaxMessageSize)
    {
        Data ??= new DataChannelEndpoint(new DataChannelEndpointOptions
        {
            IsDtlsClient = true,
            RemotePort = (ushort)remotePort,
            RemoteMaxMessageSize = remoteMaxMessageSize,
        }, packet => _transport?.SendApplicationData(packet), _time);
        return Data;
    }

    /// <summary>
    /// Records the arrival of every packet carrying the transport-wide sequence number under
    /// <paramref name="extensionId"/> and sends the server transport-cc feedback every heartbeat (100 ms), as a
    /// browser does: the server estimates our path from it. Call before connecting; 0 turns it off.
    /// </summary>
    public void EnableTransportFeedback(int extensionId) => _transportCcId = extensionId;

    /// <summary>Transport-cc feedback packets sent to the server.</summary>
    public long TransportFeedbacksSent => _arrivals.FeedbacksWritten;

    /// <summary>Checks the server's candidates, runs DTLS, and returns null once connected or the reason it failed.</summary>
    public async Task<string?> ConnectAsync(RemoteTransport remote, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_transport is not null)
        {
            throw new InvalidOperationException("Already connected.");
        }

        _outbound = new OutboundTransport(remote.Candidates, new WebRtcTransportOptions
        {
            Certificate = Certificate,
            LocalIce = LocalIce,
            RemoteIce = remote.Ice,
            RemoteFingerprint = remote.Fingerprint,
            IceRole = IceRole.Controlling,
            DtlsRole = DtlsRole.Client,
            Ice = _ice ?? new IceAgentOptions(),
        }, _time);
        _transport = _outbound.Transport;
        _transport.RtpReceived = (t, packet) =>
        {
            if (_transportCcId != 0)
            {
                _arrivals.OnRtp(packet, _transportCcId, Microseconds.Now(_time));
                _mediaSsrc = _mediaSsrc != 0 || packet.Length < 12 ? _mediaSsrc : BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
            }

            RtpReceived?.Invoke(t, packet);
        };
        _transport.RtcpReceived = (t, packet) => RtcpReceived?.Invoke(t, packet);
        if (Data is { } data)
        {
            _transport.ApplicationDataReceived = packet => data.Receive(packet);
        }

        _outbound.HeartbeatTick = OnHeartbeat;

        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _transport.StateChanged += (t, state) =>
        {
            switch (state)
            {
                case TransportState.Connected:
                    Data?.Start();
                    done.TrySetResult(null);
                    break;
                case TransportState.Failed or TransportState.Closed:
                    done.TrySetResult(t.FailureReason ?? "the transport " + state.ToString().ToLowerInvariant());
                    RaiseDown();
                    break;
                case TransportState.Disconnected:
                    RaiseDown();
                    break;
            }
        };

        _outbound.Start();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await done.Task.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"not connected after {timeout.TotalSeconds:0.#} s (ICE {_transport.IceState}, DTLS {_transport.DtlsState})";
        }
    }

    private void RaiseDown() => Down?.Invoke(this);

    /// <summary>The socket's heartbeat (its receive thread): data channel timers and transport-cc feedback.</summary>
    private void OnHeartbeat()
    {
        Data?.Tick();
        if (_transportCcId != 0 && _transport is { } transport)
        {
            _arrivals.SendFeedback(transport, _feedbackSsrc, _mediaSsrc);
        }
    }

    /// <summary>Protects and sends; the buffer needs room for the SRTP tag after <paramref name="length"/>.</summary>
    public bool SendRtp(Span<byte> buffer, int length) => _transport?.SendRtp(buffer, length) ?? false;

    /// <inheritdoc cref="SendRtp"/>
    public bool SendRtcp(Span<byte> buffer, int length) => _transport?.SendRtcp(buffer, length) ?? false;

    public void Dispose()
    {
        Data?.Association.Abort();
        _outbound?.Dispose();
    }
}
