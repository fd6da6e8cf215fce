using Sluice.LiveKit.Protocol;
using Sluice.Sfu;
using MediaDirection = Sluice.Rtc.Sdp.MediaDirection;
using SessionDescription = Sluice.LiveKit.Protocol.SessionDescription;

namespace Sluice.Server.LiveKit;

/// <summary>
/// <c>/rtc/v1</c>: one peer connection that publishes and receives (<see cref="SfuNode.JoinDuplex"/>). The client
/// makes every offer, the first inside its join request; the node answers each with the id it carries and
/// <c>mid_to_track_id</c> for the recvonly sections it filled. When the room has a track for this client and no free
/// section to carry it, the node sends <c>MediaSectionsRequirement</c> (how many sections of each kind to add; none
/// when free ones will do), and the client offers again.
/// </summary>
internal sealed partial class LiveKitConnection
{
    private readonly JoinRequest? _singlePeerJoin;
    private DuplexSession? _duplex;

    private long? _requirementSentAt;

    private bool SinglePeerConnection => _singlePeerJoin is not null;

    /// <summary>What a <c>/rtc/v1</c> join request carries besides its settings: tracks to announce, and the first offer.</summary>
    private async Task OnJoinRequestAsync(JoinRequest join, CancellationToken cancellationToken)
    {
        foreach (var track in join.AddTrackRequests)
        {
            await OnAddTrackAsync(track, cancellationToken);
        }

        if (join.PublisherOffer is { Sdp.Length: > 0 } offer)
        {
            await OnDuplexOfferAsync(offer, cancellationToken);
        }
    }

    /// <summary>An offer on the single peer connection: the first makes its sessions, later ones renegotiate them.</summary>
    private async Task OnDuplexOfferAsync(SessionDescription offer, CancellationToken cancellationToken)
    {
        if (!Rtc.Sdp.SessionDescription.TryParse(offer.Sdp, out var parsed, out var malformed) || parsed is null)
        {
            LogRefused(Identity, RoomName, "offer", "malformed SDP: " + malformed);
            return;
        }

        // Every offer has recvonly sections; only sections the client sends on need the right to publish.
        var sends = parsed.Media.Any(m => m.IsLive && m.Kind is "audio" or "video" && m.Direction is MediaDirection.SendOnly or MediaDirection.SendRecv);
        if (sends && !_claims.Video.MayPublish)
        {
            LogRefused(Identity, RoomName, "offer", "it sends media and the token does not allow publishing");
            return;
        }

        var include = WantedTracks(_rooms.Participants(RoomName));
        var sdp = MatchTracks(parsed) ? parsed.ToString() : offer.Sdp;
        var result = _duplex is { } current
            ? _node.RenegotiateDuplex(current, sdp, include)
            : _node.JoinDuplex(Room, Participant, sdp, owner: null, include);
        if (result.Error is { } error)
        {
            LogRefused(Identity, RoomName, "offer", error.Message);
            return;
        }

        var duplex = _duplex = result.Value!;
        _publisher = duplex.Publisher.Id;
        PublisherSession = duplex.Publisher;
        _subscriber = duplex.Subscriber;
        _requirementSentAt = null;

        var answer = new SessionDescription { Type = "answer", Sdp = duplex.AnswerSdp, Id = offer.Id };
        foreach (var (mid, track) in duplex.Receiving)
        {
            answer.MidToTrackId[mid] = track.Value;
        }

        await SendAsync(new SignalResponse { Answer = answer }, cancellationToken);
        await PublishedNowAsync(duplex.Publisher, cancellationToken);
    }

    /// <summary>
    /// Asks the client to offer again when the room has tracks for it that no section carries: with as many new
    /// sections of each kind as the free ones lack. One request at a time; one not followed by an offer in time is
    /// given up and asked again.
    /// </summary>
    private async Task RequireSectionsAsync(List<ParticipantInfo> participants, CancellationToken cancellationToken)
    {
        if (_duplex is not { } duplex || !_claims.Video.MaySubscribe || !_node.TryGetRoom(Room, out var room) || room is null)
        {
            return;
        }

        if (_requirementSentAt is { } sent)
        {
            if (_time.GetElapsedTime(sent) < AnswerTimeout)
            {
                return;
            }

            LogRefused(Identity, RoomName, "media sections requirement", $"no offer came in {AnswerTimeout.TotalSeconds} s; asked again");
        }

        var include = WantedTracks(participants);
        var receiving = duplex.Receiving.Values.ToHashSet();
        var missing = room.PublishedTracks.Where(t => include(t) && !IsOwn(t) && !receiving.Contains(t.Id)).ToList();
        if (missing.Count == 0)
        {
            _requirementSentAt = null;
            return;
        }

        var audios = Math.Max(0, missing.Count(t => t.Kind == MediaKind.Audio) - duplex.FreeSections.Audio);
        var videos = Math.Max(0, missing.Count(t => t.Kind == MediaKind.Video) - duplex.FreeSections.Video);
        _requirementSentAt = _time.GetTimestamp();
        await SendAsync(new SignalResponse
        {
            MediaSectionsRequirement = new MediaSectionsRequirement { NumAudios = (uint)audios, NumVideos = (uint)videos },
        }, cancellationToken);
    }
}
