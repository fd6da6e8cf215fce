using Sluice.Sfu.Sessions;

namespace Sluice.Sfu;

/// <summary>A created session and the SDP answer to return to its client.</summary>
public sealed record SessionAnswer(SfuSession Session, string Sdp);
