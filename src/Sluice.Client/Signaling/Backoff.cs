namespace Sluice.Client.Signaling;

/// <summary>
/// The waits between attempts that keep failing: the first one, doubled after each failure up to the last one, and
/// back to the first after a success (a player re-POSTing, a node restarting a cascade).
/// </summary>
internal sealed class Backoff
{
    private readonly TimeSpan _first;
    private readonly TimeSpan _last;
    private TimeSpan _next;

    public Backoff(TimeSpan first, TimeSpan last)
    {
        _first = first;
        _last = last;
        _next = first;
    }

    /// <summary>The wait before the next attempt; the one after it doubles.</summary>
    public TimeSpan Next()
    {
        var wait = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _last.Ticks));
        return wait;
    }

    /// <summary>An attempt succeeded: the next failure waits the first wait again.</summary>
    public void Reset() => _next = _first;
}
