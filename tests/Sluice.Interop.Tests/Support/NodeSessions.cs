using Sluice.Rtc.Transport;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// What the node itself says about a stream's sessions: whether its publisher is connected, and every session
/// that ended with the reason its transport gave (for failure messages).
/// </summary>
public sealed class NodeSessions : IDisposable
{
    private readonly SfuNode _node;
    private readonly List<string> _ended = [];
    private readonly Lock _lock = new();

    public NodeSessions(TestNode node)
    {
        _node = node.Node;
        _node.SessionEnded += OnEnded;
    }

    /// <summary>The publisher's transport state on the node, or null when the stream has no publisher.</summary>
    public TransportState? PublisherState(string stream) =>
        _node.TryGetStream(stream, out var s) && s!.Publisher is { } publisher ? publisher.Transport.State : null;

    public int SubscriberCount(string stream) => _node.TryGetStream(stream, out var s) ? s!.Subscribers.Length : 0;

    /// <summary>One line per ended session: stream, role, id, state and failure reason.</summary>
    public string Ended
    {
        get
        {
            lock (_lock)
            {
                return _ended.Count == 0 ? "(none)" : string.Join('\n', _ended);
            }
        }
    }

    private void OnEnded(SfuSession session)
    {
        lock (_lock)
        {
            _ended.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {session.Stream.Id} {session.Role} {session.Id}: {session.Transport.State}, {session.Transport.FailureReason ?? "no failure reason"}");
        }
    }

    public void Dispose() => _node.SessionEnded -= OnEnded;
}
