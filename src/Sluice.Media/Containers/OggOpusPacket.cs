namespace Sluice.Media.Containers;

/// <summary>One Opus packet read from an Ogg Opus file.</summary>
/// <param name="GranulePosition">The granule position of the page this packet ends on if it is the last packet to end there, else -1 (RFC 3533 §6).</param>
/// <param name="Samples48k">Duration from the TOC (<see cref="OpusToc.Samples48k"/>).</param>
public sealed record OggOpusPacket(byte[] Data, long GranulePosition, int Samples48k);
