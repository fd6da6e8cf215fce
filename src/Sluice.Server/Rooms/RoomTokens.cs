using System.Collections.Concurrent;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Rooms;

/// <summary>
/// weever-streaming's join tokens (<c>POST /create/pub</c>, <c>/create/sub</c>): one per room, participant and
/// role, kept for <see cref="Lifetime"/>. An empty stored token lets anyone join as that participant.
/// </summary>
internal sealed class RoomTokens(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<(string Room, string Participant, SessionRole Role), (string Token, DateTimeOffset Expires)> _tokens = new();

    public void Set(string room, string participant, SessionRole role, string token)
    {
        var now = time.GetUtcNow();
        _tokens[(room, participant, role)] = (token, now + Lifetime);

        // Expired entries go as new ones come, so the table never outgrows a day of creations.
        foreach (var entry in _tokens)
        {
            if (entry.Value.Expires <= now)
            {
                _tokens.TryRemove(entry);
            }
        }
    }

    /// <summary>The stored token, or null when there is none (or it expired).</summary>
    public string? Get(string room, string participant, SessionRole role) =>
        _tokens.TryGetValue((room, participant, role), out var entry) && entry.Expires > time.GetUtcNow() ? entry.Token : null;
}
