using System.Net;
using System.Security.Cryptography;
using System.Text;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Ice;

/// <summary>
/// A small controlling agent for Sluice's own clients (the CLI, node-to-node cascade), facing an
/// ICE-lite server: it checks every remote candidate with USE-CANDIDATE set and selects the first pair
/// that answers (RFC 8445 §8.1.1 leaves nomination to the controlling agent; a lite peer accepts it on the
/// first check). After that it refreshes consent every few seconds (RFC 7675 §5.1). Our side gathers
/// only host candidates, which is what loopback and same-network peers need.
/// </summary>
public sealed class IceControllingAgent : IceAgent
{
    // Our checks carry a peer-reflexive priority for a host component 1 (RFC 8445 §5.1.2.1).
    private const uint PeerReflexivePriority = (110u << 24) | (65535u << 8) | 255u;
    private const int MaxCheckAttempts = 50;

    private readonly ulong _tieBreaker = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly List<CandidatePair> _pairs = [];
    private long _nextConsentAt;

    public IceControllingAgent(IIceHost host, TimeProvider timeProvider, IceParameters local, IceParameters remote, IceAgentOptions? options = null)
        : base(host, timeProvider, local, remote, options ?? new IceAgentOptions())
    {
    }

    public void AddRemoteCandidate(IPEndPoint endPoint)
    {
        var address = endPoint.Serialize();
        foreach (var pair in _pairs)
        {
            if (pair.Remote.Equals(address))
            {
                return;
            }
        }

        _pairs.Add(new CandidatePair(address));
    }

    /// <summary>Starts checking; the heartbeat's <see cref="Tick"/> paces retransmissions.</summary>
    public void Start()
    {
        SetState(IceState.Checking);
        SendChecks();
    }

    public override void Restart(IceParameters newLocal, IceParameters? newRemote)
    {
        ArgumentNullException.ThrowIfNull(newRemote);
        base.Restart(newLocal, newRemote);
        foreach (var pair in _pairs)
        {
            pair.Reset();
        }

        SendChecks();
    }

    public override void HandleStun(in StunMessage message, SocketAddress from)
    {
        switch (message.Type)
        {
            case StunMessageType.BindingRequest:
                // A lite peer never checks, but a full one may: answer it so its checks succeed too.
                if (TryAnswerRequest(message, from))
                {
                    Host.OnValidatedAddress(from);
                }

                break;
            case StunMessageType.BindingSuccessResponse:
                HandleSuccess(message, from);
                break;
            case StunMessageType.BindingErrorResponse:
                // 487 Role Conflict cannot happen against a lite peer; other errors leave the check to time out.
                break;
        }
    }

    public override void Tick()
    {
        base.Tick();
        if (State is IceState.Failed or IceState.Closed)
        {
            return;
        }

        var now = TimeProvider.GetTimestamp();
        if (SelectedAddress is null)
        {
            SendChecks();
        }
        else if (now >= _nextConsentAt)
        {
            SendConsentCheck(now);
        }
    }

    private void SendChecks()
    {
        var now = TimeProvider.GetTimestamp();
        foreach (var pair in _pairs)
        {
            if (pair.Attempts >= MaxCheckAttempts
                || (pair.Attempts > 0 && TimeProvider.GetElapsedTime(pair.LastSentAt, now) < Options.CheckInterval))
            {
                continue;
            }

            pair.Attempts++;
            pair.LastSentAt = now;
            SendRequest(pair, nominate: true);
        }
    }

    private void SendConsentCheck(long now)
    {
        var selected = SelectedAddress!;
        foreach (var pair in _pairs)
        {
            if (pair.Remote.Equals(selected))
            {
                SendRequest(pair, nominate: false);
            }
        }

        var jitter = 0.8 + (0.4 * Random.Shared.NextDouble());
        _nextConsentAt = now + (long)(Options.ConsentInterval.TotalSeconds * jitter * TimeProvider.TimestampFrequency);
    }

    private void SendRequest(CandidatePair pair, bool nominate)
    {
        StunTransaction.NewId(pair.TransactionId);
        pair.Pending = true;

        // USERNAME is "remote:local" for requests we send (RFC 8445 §7.2.2).
        var username = Encoding.UTF8.GetBytes($"{Remote!.UsernameFragment}:{Local.UsernameFragment}");
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, pair.TransactionId);
        writer.AddUsername(username);
        writer.AddIceControlling(_tieBreaker);
        writer.AddPriority(PeerReflexivePriority);
        if (nominate)
        {
            writer.AddUseCandidate();
        }

        writer.AddMessageIntegrity(Remote.PasswordKey);
        writer.AddFingerprint();
        Host.SendTo(buffer[..writer.Length], pair.Remote);
    }

    private void HandleSuccess(in StunMessage response, SocketAddress from)
    {
        foreach (var pair in _pairs)
        {
            // A response must come from where the request went (RFC 8445 §7.2.5.2.1) and carry our
            // transaction id; its integrity is keyed with the responder's password.
            if (!pair.Pending || !pair.Remote.Equals(from) || !response.TransactionId.SequenceEqual(pair.TransactionId))
            {
                continue;
            }

            if (!response.HasMessageIntegrity || !response.VerifyMessageIntegrity(Remote!.PasswordKey)
                || (response.HasFingerprint && !response.VerifyFingerprint()))
            {
                return;
            }

            pair.Pending = false;
            Host.OnValidatedAddress(from);
            if (SelectedAddress is null)
            {
                Select(from);
                _nextConsentAt = TimeProvider.GetTimestamp()
                    + (long)(Options.ConsentInterval.TotalSeconds * TimeProvider.TimestampFrequency);
            }

            if (SelectedAddress!.Equals(from))
            {
                RefreshConsent();
            }

            return;
        }
    }

    private sealed class CandidatePair(SocketAddress remote)
    {
        public SocketAddress Remote { get; } = remote;

        public byte[] TransactionId { get; } = new byte[12];

        public int Attempts { get; set; }

        public long LastSentAt { get; set; }

        public bool Pending { get; set; }


        public void Reset()
        {
            Attempts = 0;
            Pending = false;
        }
    }
}
