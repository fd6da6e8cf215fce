using System.Collections.Immutable;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>
/// A named room: publishing sessions, whose tracks are forwarded, and subscribing sessions, which receive them.
/// A WHIP/WHEP stream is the simple case (one publishing session, any number of subscribing ones). It exists
/// from its first session to its last (or, created by an operator, until deleted); subscriptions outlive
/// publishers, so a subscriber keeps its connection while a publisher leaves and another comes. Membership is
/// changed by <see cref="SfuNode"/> under its lock; readers get immutable snapshots.
/// </summary>
public sealed class Room
{
    public Room(RoomId id, DateTimeOffset createdAt)
    {
        Id = id;
        CreatedAt = createdAt;
    }

    public RoomId Id { get; }

    public RoomKind Kind => Id.Kind;

    public DateTimeOffset CreatedAt { get; }

    public ImmutableArray<PublisherSession> Publishers { get; internal set; } = [];

    public ImmutableArray<SubscriberSession> Subscribers { get; internal set; } = [];

    /// <summary>The stream's publisher (a WHIP stream has at most one); the first in a room with several.</summary>
    public PublisherSession? Publisher => Publishers.IsEmpty ? null : Publishers[0];

    /// <summary>Created explicitly (admin API): kept with no sessions until deleted.</summary>
    public bool KeepWhenEmpty { get; internal set; }

    public bool IsEmpty => Publishers.IsEmpty && Subscribers.IsEmpty;

    /// <summary>The tracks of the live publishers, in the order they joined and their m-line order.</summary>
    public ImmutableArray<PublishedTrack> PublishedTracks
    {
        get
        {
            var tracks = ImmutableArray.CreateBuilder<PublishedTrack>();
            foreach (var publisher in Publishers)
            {
                if (publisher.IsActive)
                {
                    tracks.AddRange(publisher.PublishedTracks);
                }
            }

            return tracks.ToImmutable();
        }
    }

    /// <summary>The first published track of a kind, if any.</summary>
    public PublishedTrack? FindTrack(MediaKind kind)
    {
        foreach (var track in PublishedTracks)
        {
            if (track.Kind == kind)
            {
                return track;
            }
        }

        return null;
    }

    /// <summary>
    /// Points every connected subscriber's sections at the published tracks. A section offered by the node for a
    /// track (<see cref="Subscription.Wanted"/>) receives that track while it is published. The others follow the
    /// stream policy: the n-th audio (video) section receives the n-th audio (video) track among those the session
    /// does not already receive by name; a section with no such track waits. Called under the node's lock after
    /// any change; binding is idempotent, so only what changed moves.
    /// </summary>
    internal void Rebind()
    {
        var tracks = PublishedTracks;
        foreach (var subscriber in Subscribers)
        {
            var subscriptions = subscriber.Subscriptions;
            int audio = 0, video = 0;
            Subscription? previous = null;
            PublishedTrack? source = null;
            foreach (var subscription in subscriptions)
            {
                if (subscription.Wanted is { } wanted)
                {
                    source = Find(tracks, wanted);
                }
                else if (previous is null || previous.Mid != subscription.Mid)
                {
                    // (A relay's section sends every encoding, one subscription each: they share the section's track.)
                    var ordinal = subscription.Kind == MediaKind.Audio ? audio++ : video++;
                    source = Nth(tracks, subscriber, subscription.Kind, ordinal);
                }

                subscription.Bind(subscriber.IsActive ? source : null);
                previous = subscription;
            }
        }
    }

    /// <summary>In a conference, whether <paramref name="track"/> is the subscriber's own person's (camera or screen): never sent back.</summary>
    internal static bool IsOwn(SubscriberSession subscriber, PublishedTrack track) =>
        subscriber.Participant is { } self && track.Publisher.Participant?.Id == self.Id;

    private static PublishedTrack? Find(ImmutableArray<PublishedTrack> tracks, TrackId id)
    {
        foreach (var track in tracks)
        {
            if (track.Id == id)
            {
                return track;
            }
        }

        return null;
    }

    private static PublishedTrack? Nth(ImmutableArray<PublishedTrack> tracks, SubscriberSession subscriber, MediaKind kind, int ordinal)
    {
        foreach (var track in tracks)
        {
            if (track.Kind == kind && !IsWanted(subscriber.Subscriptions, track.Id) && !IsOwn(subscriber, track) && ordinal-- == 0)
            {
                return track;
            }
        }

        return null;
    }

    private static bool IsWanted(ImmutableArray<Subscription> session, TrackId id)
    {
        foreach (var subscription in session)
        {
            if (subscription.Wanted == id)
            {
                return true;
            }
        }

        return false;
    }
}
