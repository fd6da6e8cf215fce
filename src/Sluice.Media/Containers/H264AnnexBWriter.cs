using Sluice.Media.Codecs;

namespace Sluice.Media.Containers;

/// <summary>Writes access units as an H.264 Annex B byte stream with 4-byte start codes (ITU-T H.264 §B.1).</summary>
public sealed class H264AnnexBWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    public H264AnnexBWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    public int AccessUnitCount { get; private set; }

    /// <param name="nalUnits">NAL units without start codes.</param>
    public void WriteAccessUnit(IEnumerable<byte[]> nalUnits)
    {
        ArgumentNullException.ThrowIfNull(nalUnits);
        foreach (var nal in nalUnits)
        {
            _stream.Write(AnnexB.StartCode);
            _stream.Write(nal);
        }

        AccessUnitCount++;
    }

    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
