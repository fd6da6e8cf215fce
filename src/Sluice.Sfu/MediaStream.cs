using System.Collections.Immutable;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// A named stream: at most one publisher, any number of subscribers. It exists from its first session to
/// its last (or, created by an operator, until deleted); its audio and video slots carry subscribers across publishers leaving and returning.
/// Membership changes are made by <see cref="SfuNode"/> under its lock.
/// </summary>
public sealed class MediaStream
{
    public MediaStream(string id, DateTimeOffset createdAt)
    {
        Id = id;
        CreatedAt = createdAt;
    }

    public string Id { get; }

    public DateTimeOffset CreatedAt { get; }

    public StreamTrack Audio { get; } = new(MediaKind.Audio);

    public StreamTrack Video { get; } = new(MediaKind.Video);

    public PublisherSession? Publisher { get; internal set; }

    public ImmutableArray<SubscriberSession> Subscribers { get; internal set; } = [];

    /// <summary>Created explicitly (admin API): kept with no sessions until deleted.</summary>
    public bool KeepWhenEmpty { get; internal set; }

    public bool IsEmpty => Publisher is null && Subscribers.IsEmpty;

    public StreamTrack Slot(MediaKind kind) => kind == MediaKind.Audio ? Audio : Video;
}
