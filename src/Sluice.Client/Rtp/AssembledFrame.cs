namespace Sluice.Client.Rtp;

/// <summary>The payloads of one complete frame in order, with its RTP timestamp.</summary>
internal sealed record AssembledFrame(uint Timestamp, IReadOnlyList<ReadOnlyMemory<byte>> Payloads, bool Keyframe);
