using System.Net;
using System.Text;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Ice;

/// <summary>
/// What the lite and controlling agents share: credentials, the selected remote address, consent
/// bookkeeping, and answering binding requests (RFC 8445 §7.3). Not thread-safe: the transport calls
/// it from its receive loop and heartbeat under its own lock.
/// </summary>
public abstract class IceAgent
{
    private IceParameters _local;
    private byte[] _localUfragPrefix;
    private IceParameters? _previousLocal;
    private byte[]? _previousUfragPrefix;

    protected IceAgent(IIceHost host, TimeProvider timeProvider, IceParameters local, IceParameters? remote, IceAgentOptions options)
    {
        Host = host;
        TimeProvider = timeProvider;
        Options = options;
        _local = local;
        _localUfragPrefix = UfragPrefix(local);
        Remote = remote;
        StartedAt = timeProvider.GetTimestamp();
    }

    public IceParameters Local => _local;

    public IceParameters? Remote { get; protected set; }

    public IceState State { get; private set; }

    /// <summary>The remote address media goes to, once a pair is nominated.</summary>
    public SocketAddress? SelectedAddress { get; private set; }

    /// <summary>True after <see cref="Restart"/> until the peer's first check with the new credentials.</summary>
    public bool RestartPending => _previousLocal is not null;

    /// <summary>Requests dropped for bad credentials, integrity or fingerprint.</summary>
    public long RejectedChecks { get; private set; }

    protected IIceHost Host { get; }

    protected TimeProvider TimeProvider { get; }

    protected IceAgentOptions Options { get; }

    protected long StartedAt { get; private set; }

    protected long LastConsentAt { get; set; }

    /// <summary>Handles one STUN message from <paramref name="from"/> (the receive loop's address; copy before keeping it).</summary>
    public abstract void HandleStun(in StunMessage message, SocketAddress from);

    /// <summary>
    /// Authenticated SRTP or SRTCP arrived from the selected address since the last tick. An agent sees only what
    /// its peer sends: media that passed SRTP authentication on the selected pair proves the peer is there and
    /// still wants our traffic as well as a binding request does. Peers such as Pion send no consent checks on
    /// a pair that carries media both ways, so without this a lite agent would expire them while media flows.
    /// </summary>
    public void OnAuthenticatedMedia()
    {
        if (SelectedAddress is not null && State is not (IceState.Failed or IceState.Closed))
        {
            RefreshConsent();
        }
    }

    /// <summary>Called by the transport's heartbeat: consent expiry, and retransmissions for a controlling agent.</summary>
    public virtual void Tick()
    {
        if (State is IceState.Failed or IceState.Closed)
        {
            return;
        }

        var now = TimeProvider.GetTimestamp();
        if (SelectedAddress is null)
        {
            if (TimeProvider.GetElapsedTime(StartedAt, now) >= Options.ConsentTimeout)
            {
                SetState(IceState.Failed);
            }

            return;
        }

        var silent = TimeProvider.GetElapsedTime(LastConsentAt, now);
        if (silent >= Options.ConsentTimeout)
        {
            SetState(IceState.Failed);
        }
        else if (silent >= Options.DisconnectTimeout)
        {
            SetState(IceState.Disconnected);
        }
    }

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local credentials, and the remote side's new ones when known.
    /// Checks with the previous credentials are still answered until the first one with the new arrives,
    /// so media keeps flowing over the old pair meanwhile.
    /// </summary>
    public virtual void Restart(IceParameters newLocal, IceParameters? newRemote)
    {
        _previousLocal = _local;
        _previousUfragPrefix = _localUfragPrefix;
        _local = newLocal;
        _localUfragPrefix = UfragPrefix(newLocal);
        Remote = newRemote;
        StartedAt = TimeProvider.GetTimestamp();
    }

    public void Close() => SetState(IceState.Closed);

    protected void SetState(IceState state)
    {
        if (State == state || State == IceState.Closed)
        {
            return;
        }

        State = state;
        Host.OnIceStateChanged(state);
    }

    protected void Select(SocketAddress from)
    {
        if (SelectedAddress is not null && SelectedAddress.Equals(from))
        {
            return;
        }

        SelectedAddress = from.Clone();
        Host.OnSelectedAddressChanged(SelectedAddress);
    }

    protected void RefreshConsent()
    {
        LastConsentAt = TimeProvider.GetTimestamp();
        if (State is IceState.Checking or IceState.Disconnected or IceState.New && SelectedAddress is not null)
        {
            SetState(IceState.Connected);
        }
    }

    /// <summary>
    /// Authenticates a binding request (RFC 8445 §7.3, RFC 8489 §9.1.3) and answers it with a success
    /// response carrying XOR-MAPPED-ADDRESS. Returns false, having answered nothing, when the request
    /// fails USERNAME, MESSAGE-INTEGRITY or FINGERPRINT checks: an unauthenticated sender learns nothing.
    /// </summary>
    protected bool TryAnswerRequest(in StunMessage request, SocketAddress from)
    {
        if (!Authenticate(request, out var key))
        {
            RejectedChecks++;
            return false;
        }

        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, request.TransactionId);
        writer.AddXorMappedAddress(from);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        Host.SendTo(buffer[..writer.Length], from);
        return true;
    }

    private bool Authenticate(in StunMessage request, out byte[] key)
    {
        key = _local.PasswordKey;
        if (!request.HasMessageIntegrity || (request.HasFingerprint && !request.VerifyFingerprint()))
        {
            return false;
        }

        var username = request.Username;
        if (username.StartsWith(_localUfragPrefix))
        {
            if (!request.VerifyMessageIntegrity(key) || !RemoteUfragMatches(username[_localUfragPrefix.Length..]))
            {
                return false;
            }

            // The peer uses the current credentials: a pending restart is complete on its side.
            _previousLocal = null;
            _previousUfragPrefix = null;
            return true;
        }

        if (_previousLocal is not null && _previousUfragPrefix is not null && username.StartsWith(_previousUfragPrefix))
        {
            key = _previousLocal.PasswordKey;
            return request.VerifyMessageIntegrity(key);
        }

        return false;
    }

    private bool RemoteUfragMatches(ReadOnlySpan<byte> remoteUfrag)
    {
        // Before the remote description arrives (or during a restart whose answer is pending) any
        // remote fragment is accepted; the password check above already authenticated the sender.
        if (Remote is null)
        {
            return true;
        }

        Span<byte> expected = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Remote.UsernameFragment.Length)];
        var length = Encoding.UTF8.GetBytes(Remote.UsernameFragment, expected);
        return remoteUfrag.SequenceEqual(expected[..length]);
    }

    private static byte[] UfragPrefix(IceParameters parameters) => Encoding.UTF8.GetBytes(parameters.UsernameFragment + ":");
}
