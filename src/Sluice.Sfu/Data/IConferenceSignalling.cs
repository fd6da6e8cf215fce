using Sluice.Rtc.Sctp;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Data;

/// <summary>
/// Where a conference session's <c>control</c> channel goes: to the signalling that renegotiates it (weever-streaming's
/// protocol), never to other participants. Called on the media receive thread: implementations hand the work on
/// and return at once.
/// </summary>
public interface IConferenceSignalling
{
    /// <summary>The label of the channel that carries signalling in a conference.</summary>
    const string Label = "control";

    void ChannelOpened(SfuSession session, DataChannel channel);

    void MessageReceived(SfuSession session, DataChannel channel, DataMessage message);
}
