using Sluice.Rtc.Sctp;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Data;

/// <summary>
/// A protocol that routes its own data messages in a conference (LiveKit's <c>DataPacket</c>s name their sender and
/// their recipients): given every message on a conference session's channels other than <c>control</c>, before the
/// room's relay. Called on the media receive thread: implementations must not block.
/// </summary>
public interface IConferenceDataRouter
{
    /// <summary>True when the message was taken (delivered or refused here); false leaves it to the room's relay.</summary>
    bool TryRoute(SfuSession session, DataChannel channel, DataMessage message);
}
