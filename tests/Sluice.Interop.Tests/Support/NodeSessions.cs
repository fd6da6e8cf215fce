using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// What the node itself says about a stream's sessions: whether its publisher is connected, every transport
/// state change of every session, and every session that ended with the reason its transport gave (for
/// failure messages).
/// </summary>
public sealed class NodeSessions : IDisposable
{
    private readonly SfuNode _node;
    private readonly List<string> _events = [];
    private readonly Lock _lock = new();
    private readonly DateTime _start = DateTime.UtcNow;

    public NodeSessions(TestNode node)
    {
        _node = node.Node;
        _node.SessionCreated += OnCreated;
        _node.SessionEnded += OnEnded;
    }

    /// <summary>The publisher's transport state on the node, or null when the stream has no publisher.</summary>
    public TransportState? PublisherState(string stream) =>
        _node.TryGetStream(stream, out var s) && s!.Publisher is { } publisher ? publisher.Transport.State : null;

    /// <summary>The subscribers' transport states on the node, in join order.</summary>
    public TransportState[] SubscriberStates(string stream)
    {
        if (!_node.TryGetStream(stream, out var s))
        {
            return [];
        }

        var subscribers = s!.Subscribers;
        var states = new TransportState[subscribers.Length];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = subscribers[i].Transport.State;
        }

        return states;
    }

    public int SubscriberCount(string stream) => _node.TryGetStream(stream, out var s) ? s!.Subscribers.Length : 0;

    /// <summary>
    /// One line per session event, seconds since this watch began: created, each transport state change, and
    /// ended with the transport's failure reason.
    /// </summary>
    public string Timeline
    {
        get
        {
            lock (_lock)
            {
                return _events.Count == 0 ? "(none)" : string.Join('\n', _events);
            }
        }
    }

    private void OnCreated(SfuSession session)
    {
        Add(session, "created");
        session.Transport.StateChanged += (transport, state) =>
            Add(session, state + (transport.FailureReason is { } reason ? $" ({reason})" : string.Empty));
    }

    private void OnEnded(SfuSession session) =>
        Add(session, $"ended, {session.Transport.State}: {session.Transport.FailureReason ?? "no failure reason"}");

    private void Add(SfuSession session, string what)
    {
        lock (_lock)
        {
            _events.Add($"{(DateTime.UtcNow - _start).TotalSeconds,7:0.00} s {session.Role.ToString().ToLowerInvariant()} {session.Id}: {what}");
        }
    }

    public void Dispose()
    {
        _node.SessionCreated -= OnCreated;
        _node.SessionEnded -= OnEnded;
    }
}
