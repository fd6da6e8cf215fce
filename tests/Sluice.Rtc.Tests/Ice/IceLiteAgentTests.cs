using System.Net;
using System.Text;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Stun;
using Sluice.Testing;

namespace Sluice.Rtc.Tests.Ice;

/// <summary>The server's ICE-lite agent (RFC 8445 §2.5, §7.3) and consent freshness (RFC 7675).</summary>
public sealed class IceLiteAgentTests
{
    private static readonly SocketAddress Browser = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 50000).Serialize();
    private static readonly SocketAddress BrowserMoved = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 50002).Serialize();

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingIceHost _host = new();
    private readonly IceParameters _local = new("srvU", "server-password-0123456789");
    private readonly IceParameters _remote = new("brwU", "browser-password-0123456789");
    private readonly IceLiteAgent _agent;

    public IceLiteAgentTests()
    {
        _agent = new IceLiteAgent(_host, _time, _local, _remote);
    }

    [Fact]
    public void A_valid_check_is_answered_with_the_mapped_address_and_validates_the_pair()
    {
        var request = Check(_local, _remote, useCandidate: false, out var transactionId);

        Handle(request, Browser);

        var (datagram, to) = Assert.Single(_host.Sent);
        Assert.Equal(Browser, to);
        Assert.True(StunMessage.TryParse(datagram, out var response));
        Assert.Equal(StunMessageType.BindingSuccessResponse, response.Type);
        Assert.True(response.TransactionId.SequenceEqual(transactionId));
        Assert.True(response.VerifyMessageIntegrity(_local.PasswordKey));
        Assert.True(response.VerifyFingerprint());
        Assert.True(response.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 50000), mapped);
        Assert.Equal(Browser, Assert.Single(_host.Validated));
        Assert.Empty(_host.Selected);
        Assert.Equal(IceState.Checking, _agent.State);
    }

    [Fact]
    public void Use_candidate_selects_the_pair_and_connects()
    {
        Handle(Check(_local, _remote, useCandidate: true, out _), Browser);

        Assert.Equal(Browser, Assert.Single(_host.Selected));
        Assert.Equal(Browser, _agent.SelectedAddress);
        Assert.Equal(IceState.Connected, _agent.State);
    }

    [Fact]
    public void A_newly_nominated_pair_takes_over()
    {
        Handle(Check(_local, _remote, useCandidate: true, out _), Browser);
        Handle(Check(_local, _remote, useCandidate: true, out _), BrowserMoved);

        Assert.Equal([Browser, BrowserMoved], _host.Selected);
        Assert.Equal(BrowserMoved, _agent.SelectedAddress);
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("wrong ufrag")]
    [InlineData("wrong remote ufrag")]
    [InlineData("no integrity")]
    public void A_check_that_fails_authentication_gets_no_answer(string fault)
    {
        var request = fault switch
        {
            "wrong password" => Check(new IceParameters(_local.UsernameFragment, "not-the-password-0123456789"), _remote, true, out _),
            "wrong ufrag" => Check(new IceParameters("othr", _local.Password), _remote, true, out _),
            "wrong remote ufrag" => Check(_local, new IceParameters("zzzz", _remote.Password), true, out _),
            _ => CheckWithoutIntegrity(),
        };

        Handle(request, Browser);

        Assert.Empty(_host.Sent);
        Assert.Empty(_host.Validated);
        Assert.Null(_agent.SelectedAddress);
        Assert.Equal(1, _agent.RejectedChecks);
    }

    [Fact]
    public void Consent_lapses_to_disconnected_then_failed_and_recovers_in_between()
    {
        var options = new IceAgentOptions { DisconnectTimeout = TimeSpan.FromSeconds(5), ConsentTimeout = TimeSpan.FromSeconds(30) };
        var agent = new IceLiteAgent(_host, _time, _local, _remote, options);
        agent.HandleStun(Parse(Check(_local, _remote, true, out _)), Browser);
        Assert.Equal(IceState.Connected, agent.State);

        _time.Advance(TimeSpan.FromSeconds(6));
        agent.Tick();
        Assert.Equal(IceState.Disconnected, agent.State);

        agent.HandleStun(Parse(Check(_local, _remote, false, out _)), Browser);
        Assert.Equal(IceState.Connected, agent.State);

        _time.Advance(TimeSpan.FromSeconds(29));
        agent.Tick();
        Assert.Equal(IceState.Disconnected, agent.State);
        _time.Advance(TimeSpan.FromSeconds(1));
        agent.Tick();
        Assert.Equal(IceState.Failed, agent.State);
        Assert.Equal([IceState.Connected, IceState.Disconnected, IceState.Connected, IceState.Disconnected, IceState.Failed], _host.States);
    }

    [Fact]
    public void Authenticated_media_on_the_selected_pair_keeps_consent_without_checks()
    {
        // Pion's agent stops checking a pair that carries media both ways: SRTP is its proof of life.
        var options = new IceAgentOptions { DisconnectTimeout = TimeSpan.FromSeconds(5), ConsentTimeout = TimeSpan.FromSeconds(30) };
        var agent = new IceLiteAgent(_host, _time, _local, _remote, options);
        agent.HandleStun(Parse(Check(_local, _remote, true, out _)), Browser);

        for (var i = 0; i < 120; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            agent.OnAuthenticatedMedia();
            agent.Tick();
        }

        Assert.Equal(IceState.Connected, agent.State);
        Assert.Equal([IceState.Connected], _host.States);

        // Media stops: disconnected, then failed, as with checks; media coming back in between reconnects.
        _time.Advance(TimeSpan.FromSeconds(6));
        agent.Tick();
        Assert.Equal(IceState.Disconnected, agent.State);
        agent.OnAuthenticatedMedia();
        Assert.Equal(IceState.Connected, agent.State);
        _time.Advance(TimeSpan.FromSeconds(30));
        agent.Tick();
        Assert.Equal(IceState.Failed, agent.State);
        agent.OnAuthenticatedMedia();
        Assert.Equal(IceState.Failed, agent.State);
    }

    [Fact]
    public void Media_before_any_pair_is_selected_is_no_consent()
    {
        _agent.OnAuthenticatedMedia();
        Assert.Equal(IceState.New, _agent.State);
        _time.Advance(TimeSpan.FromSeconds(30));
        _agent.OnAuthenticatedMedia();
        _agent.Tick();
        Assert.Equal(IceState.Failed, _agent.State);
    }

    [Fact]
    public void An_agent_never_checked_fails_after_the_consent_timeout()
    {
        _time.Advance(TimeSpan.FromSeconds(29));
        _agent.Tick();
        Assert.Equal(IceState.New, _agent.State);

        _time.Advance(TimeSpan.FromSeconds(1));
        _agent.Tick();
        Assert.Equal(IceState.Failed, _agent.State);
    }

    [Fact]
    public void Ice_restart_answers_old_credentials_until_the_new_ones_are_used()
    {
        Handle(Check(_local, _remote, true, out _), Browser);
        var newLocal = new IceParameters("srv2", "server-password-2-0123456789");
        var newRemote = new IceParameters("brw2", "browser-password-2-0123456789");

        _agent.Restart(newLocal, newRemote);
        Handle(Check(_local, _remote, false, out _), Browser);
        Assert.Equal(2, _host.Sent.Count);

        Handle(Check(newLocal, newRemote, true, out _), BrowserMoved);
        Assert.Equal(3, _host.Sent.Count);
        Assert.Equal(BrowserMoved, _agent.SelectedAddress);
        Assert.True(StunMessage.TryParse(_host.Sent[^1].Datagram, out var response));
        Assert.True(response.VerifyMessageIntegrity(newLocal.PasswordKey));

        Handle(Check(_local, _remote, false, out _), Browser);
        Assert.Equal(3, _host.Sent.Count);
        Assert.Equal(1, _agent.RejectedChecks);
    }

    [Fact]
    public void Controlling_and_lite_agents_connect_over_an_in_memory_wire()
    {
        var clientAddress = new IPEndPoint(IPAddress.Loopback, 40000);
        var serverAddress = new IPEndPoint(IPAddress.Loopback, 40001);
        var clientHost = new RecordingIceHost();
        var client = new IceControllingAgent(clientHost, _time, _remote, _local);
        client.AddRemoteCandidate(serverAddress);
        clientHost.Wire = (datagram, _) => _agent.HandleStun(Parse(datagram), clientAddress.Serialize());
        _host.Wire = (datagram, _) => client.HandleStun(Parse(datagram), serverAddress.Serialize());

        client.Start();

        Assert.Equal(IceState.Connected, client.State);
        Assert.Equal(IceState.Connected, _agent.State);
        Assert.Equal(serverAddress.Serialize(), client.SelectedAddress);
        Assert.Equal(clientAddress.Serialize(), _agent.SelectedAddress);

        // Consent checks keep both sides connected well past the disconnect timeout.
        for (var i = 0; i < 40; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            client.Tick();
            _agent.Tick();
        }

        Assert.Equal(IceState.Connected, client.State);
        Assert.Equal(IceState.Connected, _agent.State);
    }

    private void Handle(byte[] datagram, SocketAddress from) => _agent.HandleStun(Parse(datagram), from);

    private static StunMessage Parse(byte[] datagram)
    {
        Assert.True(StunMessage.TryParse(datagram, out var message));
        return message;
    }

    /// <summary>A binding request as a controlling browser sends it to us: USERNAME "ours:theirs", keyed with our password.</summary>
    internal static byte[] Check(IceParameters server, IceParameters browser, bool useCandidate, out byte[] transactionId)
    {
        transactionId = new byte[12];
        StunTransaction.NewId(transactionId);
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(Encoding.UTF8.GetBytes($"{server.UsernameFragment}:{browser.UsernameFragment}"));
        writer.AddIceControlling(0x0102030405060708);
        writer.AddPriority(1853824767);
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }

        writer.AddMessageIntegrity(server.PasswordKey);
        writer.AddFingerprint();
        return buffer[..writer.Length];
    }

    private byte[] CheckWithoutIntegrity()
    {
        var transactionId = new byte[12];
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(Encoding.UTF8.GetBytes($"{_local.UsernameFragment}:{_remote.UsernameFragment}"));
        writer.AddUseCandidate();
        writer.AddFingerprint();
        return buffer[..writer.Length];
    }
}
