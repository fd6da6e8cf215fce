namespace Sluice.Rtc.Rtp;

/// <summary>
/// The Dependency Descriptor RTP header extension (AV1 RTP specification, appendix A;
/// <c>https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension</c>): per packet,
/// whether it starts or ends a frame, the frame's number, and the template it follows; every so often (a keyframe)
/// the template dependency structure that says which spatial and temporal layer each template's frames are in.
/// A forwarder reads what it needs to drop layers: <see cref="TryRead"/> parses the mandatory fields and, when
/// present, the structure (into a <see cref="DependencyStructure"/> kept per stream), and names the frame's layers.
/// Custom DTIs, frame diffs and chains that follow are not needed for that and are not read.
/// </summary>
public static class DependencyDescriptor
{
    /// <summary>The extension's URI in SDP (<c>a=extmap</c>).</summary>
    public const string ExtensionUri = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";

    /// <summary>
    /// Reads one descriptor. A structure in it replaces <paramref name="structure"/> (only once it has been read
    /// whole and found sound); the frame's layers come from the structure in force. False, with nothing changed,
    /// for a descriptor shorter than its mandatory fields, a malformed structure, or a template the structure lacks
    /// (the frame is in no known layer: a forwarder sends it on or drops it as it would without the descriptor).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, DependencyStructure structure, out DependencyDescriptorInfo info)
    {
        info = default;
        if (data.Length < 3)
        {
            return false;
        }

        var reader = new BitReader(data);
        var startOfFrame = reader.Read(1) == 1;
        var endOfFrame = reader.Read(1) == 1;
        var templateId = (int)reader.Read(6);
        var frameNumber = (int)reader.Read(16);
        var structurePresent = false;
        if (data.Length > 3)
        {
            structurePresent = reader.Read(1) == 1;
            reader.Read(4); // active decode targets, custom DTIs, custom fdiffs, custom chains
            if (structurePresent && !structure.TryReadFrom(ref reader))
            {
                return false;
            }
        }

        if (!structure.TryGetLayer(templateId, out var spatialId, out var temporalId))
        {
            return false;
        }

        info = new DependencyDescriptorInfo(startOfFrame, endOfFrame, frameNumber, structurePresent, spatialId, temporalId);
        return true;
    }
}

/// <summary>What <see cref="DependencyDescriptor.TryRead"/> found in one packet's descriptor.</summary>
public readonly record struct DependencyDescriptorInfo(bool StartOfFrame, bool EndOfFrame, int FrameNumber, bool StructurePresent, int SpatialId, int TemporalId);

/// <summary>
/// A stream's template dependency structure as its last descriptor with one described it: each template's spatial
/// and temporal layer. One per stream, rewritten in place (a structure has at most 64 templates), so reading it
/// allocates nothing; read and written by the stream's receive thread only.
/// </summary>
public sealed class DependencyStructure
{
    private const int MaxTemplates = 64;
    private readonly byte[] _spatial = new byte[MaxTemplates];
    private readonly byte[] _temporal = new byte[MaxTemplates];

    /// <summary>Templates in the structure; 0 until one has been read.</summary>
    public int TemplateCount { get; private set; }

    /// <summary>The template id of the structure's first template (ids count from it modulo 64).</summary>
    public int TemplateIdOffset { get; private set; }

    /// <summary>Decode targets the structure defines.</summary>
    public int DecodeTargetCount { get; private set; }

    /// <summary>Spatial layers its templates use (highest spatial id + 1).</summary>
    public int SpatialLayers { get; private set; }

    /// <summary>Temporal layers its templates use (highest temporal id + 1).</summary>
    public int TemporalLayers { get; private set; }

    /// <summary>The layers of the frames that follow template <paramref name="templateId"/>; false when the structure has no such template.</summary>
    public bool TryGetLayer(int templateId, out int spatialId, out int temporalId)
    {
        var index = (templateId + MaxTemplates - TemplateIdOffset) % MaxTemplates;
        if (index >= TemplateCount)
        {
            spatialId = temporalId = 0;
            return false;
        }

        spatialId = _spatial[index];
        temporalId = _temporal[index];
        return true;
    }

    /// <summary>template_dependency_structure() (A.8.2), read into stack buffers and kept only when sound.</summary>
    internal bool TryReadFrom(ref BitReader reader)
    {
        var offset = (int)reader.Read(6);
        var decodeTargets = (int)reader.Read(5) + 1;

        // template_layers(): each template's layer follows from the one before and a two-bit step.
        Span<byte> spatial = stackalloc byte[MaxTemplates];
        Span<byte> temporal = stackalloc byte[MaxTemplates];
        int count = 0, spatialId = 0, temporalId = 0, maxTemporal = 0;
        while (true)
        {
            if (count == MaxTemplates || reader.Overrun)
            {
                return false;
            }

            spatial[count] = (byte)spatialId;
            temporal[count] = (byte)temporalId;
            count++;
            var next = reader.Read(2);
            if (next == 3)
            {
                break;
            }

            if (next == 1)
            {
                temporalId++;
                maxTemporal = Math.Max(maxTemporal, temporalId);
            }
            else if (next == 2)
            {
                temporalId = 0;
                spatialId++;
            }

            if (spatialId > 3 || temporalId > 7)
            {
                return false;
            }
        }

        // template_dtis(), template_fdiffs(), template_chains(): read past them (the layers are all a forwarder needs).
        reader.Skip(2 * count * decodeTargets);
        for (var t = 0; t < count && !reader.Overrun; t++)
        {
            while (reader.Read(1) == 1 && !reader.Overrun)
            {
                reader.Skip(4);
            }
        }

        var chains = (int)reader.ReadNonSymmetric((uint)decodeTargets + 1);
        if (chains > 0)
        {
            for (var d = 0; d < decodeTargets; d++)
            {
                reader.ReadNonSymmetric((uint)chains);
            }

            reader.Skip(4 * count * chains);
        }

        // decode_target_layers() is derived, not coded; render resolutions may follow.
        if (reader.Read(1) == 1)
        {
            reader.Skip(32 * (spatialId + 1));
        }

        if (reader.Overrun)
        {
            return false;
        }

        spatial[..count].CopyTo(_spatial);
        temporal[..count].CopyTo(_temporal);
        TemplateCount = count;
        TemplateIdOffset = offset;
        DecodeTargetCount = decodeTargets;
        SpatialLayers = spatialId + 1;
        TemporalLayers = maxTemporal + 1;
        return true;
    }
}

/// <summary>Bits most significant first, as the descriptor's f(n) and ns(n) read them; reading past the end gives zeros and sets <see cref="Overrun"/>.</summary>
internal ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool Overrun => _position > _data.Length * 8;

    public uint Read(int bits)
    {
        uint value = 0;
        for (var i = 0; i < bits; i++)
        {
            var bit = _position < _data.Length * 8 ? (_data[_position >> 3] >> (7 - (_position & 7))) & 1 : 0;
            value = (value << 1) | (uint)bit;
            _position++;
        }

        return value;
    }

    public void Skip(int bits) => _position += bits;

    /// <summary>ns(n): a value below <paramref name="n"/> in ⌊log2 n⌋ or one more bits (A.7).</summary>
    public uint ReadNonSymmetric(uint n)
    {
        var width = 0;
        for (var x = n; x != 0; x >>= 1)
        {
            width++;
        }

        if (width == 0)
        {
            return 0;
        }

        var m = (1u << width) - n;
        var value = Read(width - 1);
        return value < m ? value : (value << 1) - m + Read(1);
    }
}
