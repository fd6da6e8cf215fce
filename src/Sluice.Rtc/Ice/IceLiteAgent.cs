using System.Net;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Ice;

/// <summary>
/// The server's ICE-lite agent (RFC 8445 §2.5): it only answers checks, always in the controlled role,
/// and takes as selected the pair the controlling peer nominates with USE-CANDIDATE. A later nomination of
/// another address switches media to it (the peer moved, or chose a better pair). Every authenticated
/// check on the selected pair refreshes consent (RFC 7675): browsers send one every few seconds.
/// </summary>
public sealed class IceLiteAgent : IceAgent
{
    public IceLiteAgent(IIceHost host, TimeProvider timeProvider, IceParameters local, IceParameters? remote, IceAgentOptions? options = null)
        : base(host, timeProvider, local, remote, options ?? new IceAgentOptions())
    {
    }

    public override void HandleStun(in StunMessage message, SocketAddress from)
    {
        if (message.Type != StunMessageType.BindingRequest || !TryAnswerRequest(message, from))
        {
            return;
        }

        Host.OnValidatedAddress(from);
        if (message.HasUseCandidate)
        {
            Select(from);
        }
        else if (State == IceState.New)
        {
            SetState(IceState.Checking);
        }

        if (SelectedAddress is not null && SelectedAddress.Equals(from))
        {
            RefreshConsent();
        }
    }
}
