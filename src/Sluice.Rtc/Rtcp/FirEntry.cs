namespace Sluice.Rtc.Rtcp;

/// <summary>One FIR FCI entry (RFC 5104 §4.3.1.1): the target SSRC and the command sequence number.</summary>
/// <param name="Ssrc">The media sender asked for a decoder refresh.</param>
/// <param name="SequenceNumber">Incremented by the requester for each new request (repeats keep it).</param>
public readonly record struct FirEntry(uint Ssrc, byte SequenceNumber);
