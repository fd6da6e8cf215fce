namespace Sluice.Media.Containers;

/// <summary>The Ogg Opus identification header (RFC 7845 §5.1).</summary>
/// <param name="PreSkip">Samples at 48 kHz to discard from the decoder output at the start.</param>
/// <param name="OutputGain">Q7.8 dB gain to apply on output.</param>
public sealed record OpusHead(int Channels, int PreSkip, int InputSampleRate, int OutputGain, int MappingFamily);
