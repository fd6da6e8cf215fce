using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>
/// The dependency descriptor (AV1 RTP specification, appendix A), written here bit by bit as the specification's
/// syntax tables lay it out: structures as an L1T3 and an L3T3 encoder describe them, descriptors with and without a
/// structure, and what is wrong with bad ones.
/// </summary>
public sealed class DependencyDescriptorTests
{
    // L1T3 as Chromium describes it: templates (T0 key), T0, T1, T2, T2; three decode targets, one chain.
    private static readonly (int Spatial, int Temporal)[] L1T3 = [(0, 0), (0, 0), (0, 1), (0, 2), (0, 2)];

    // L3T3: each spatial layer's templates T0, T1, T2.
    private static readonly (int Spatial, int Temporal)[] L3T3 =
        [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)];

    [Fact]
    public void A_structure_names_each_templates_layers_and_later_descriptors_use_it()
    {
        var structure = new DependencyStructure();
        var first = Descriptor(start: true, end: true, templateId: 0, frameNumber: 100, L1T3, offset: 0, resolutions: true);
        Assert.True(DependencyDescriptor.TryRead(first, structure, out var key));
        Assert.Equal(new DependencyDescriptorInfo(true, true, 100, true, 0, 0), key);
        Assert.Equal((5, 0, 3, 1, 3), (structure.TemplateCount, structure.TemplateIdOffset, structure.DecodeTargetCount, structure.SpatialLayers, structure.TemporalLayers));

        // Three-byte descriptors (mandatory fields only) follow the structure in force.
        for (var template = 0; template < L1T3.Length; template++)
        {
            var packet = Descriptor(start: template % 2 == 0, end: true, templateId: template, frameNumber: 101 + template);
            Assert.Equal(3, packet.Length);
            Assert.True(DependencyDescriptor.TryRead(packet, structure, out var frame));
            Assert.Equal((L1T3[template].Spatial, L1T3[template].Temporal, 101 + template, template % 2 == 0, false), (frame.SpatialId, frame.TemporalId, frame.FrameNumber, frame.StartOfFrame, frame.StructurePresent));
        }

        // A template the structure does not have names no layer.
        Assert.False(DependencyDescriptor.TryRead(Descriptor(true, true, templateId: 5, frameNumber: 1), structure, out _));
    }

    [Fact]
    public void Chromiums_l1t3_descriptors_name_the_layers_of_its_frames()
    {
        // Recorded from Chromium 156 sending VP8 L1T3 to the node: its keyframe's descriptor (structure: seven
        // templates, three decode targets), then the three-byte descriptors of the frames that followed.
        var structure = new DependencyStructure();
        Assert.True(DependencyDescriptor.TryRead(Convert.FromHexString("8000018002044EAAAF2860414D34538A0940413FC0B3C0"), structure, out var key));
        Assert.Equal(new DependencyDescriptorInfo(true, false, 1, true, 0, 0), key);
        Assert.Equal((7, 0, 3, 1, 3), (structure.TemplateCount, structure.TemplateIdOffset, structure.DecodeTargetCount, structure.SpatialLayers, structure.TemporalLayers));
        string[] frames = ["000001", "400001", "850002", "450002", "830003", "850004", "820005", "020005", "420005"];
        (bool Start, bool End, int Number, int Temporal)[] expected =
            [(false, false, 1, 0), (false, true, 1, 0), (true, false, 2, 2), (false, true, 2, 2), (true, false, 3, 1), (true, false, 4, 2), (true, false, 5, 0), (false, false, 5, 0), (false, true, 5, 0)];
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.True(DependencyDescriptor.TryRead(Convert.FromHexString(frames[i]), structure, out var frame));
            Assert.Equal(expected[i], (frame.StartOfFrame, frame.EndOfFrame, frame.FrameNumber, frame.TemporalId));
        }
    }

    [Fact]
    public void Template_ids_count_from_the_offset_modulo_64_and_spatial_layers_are_read()
    {
        var structure = new DependencyStructure();
        Assert.True(DependencyDescriptor.TryRead(Descriptor(true, false, templateId: 60, frameNumber: 65_535, L3T3, offset: 60), structure, out var key));
        Assert.Equal((0, 0, 65_535), (key.SpatialId, key.TemporalId, key.FrameNumber));
        Assert.Equal((3, 3), (structure.SpatialLayers, structure.TemporalLayers));
        for (var index = 0; index < L3T3.Length; index++)
        {
            Assert.True(structure.TryGetLayer((60 + index) % 64, out var spatial, out var temporal));
            Assert.Equal(L3T3[index], (spatial, temporal));
        }

        Assert.False(structure.TryGetLayer(59, out _, out _));
    }

    [Fact]
    public void Bad_descriptors_are_refused_and_the_structure_in_force_stays()
    {
        var structure = new DependencyStructure();

        // Nothing to map templates with yet, or too short for the mandatory fields.
        Assert.False(DependencyDescriptor.TryRead(Descriptor(true, true, 0, 1), structure, out _));
        Assert.False(DependencyDescriptor.TryRead([0x80, 0x00], structure, out _));

        Assert.True(DependencyDescriptor.TryRead(Descriptor(true, true, 0, 1, L1T3, offset: 0), structure, out _));

        // A structure cut short (every prefix of an L3T3 one): refused, and the L1T3 one still maps templates.
        var l3t3 = Descriptor(true, true, 0, 2, L3T3, offset: 0);
        for (var length = 4; length < l3t3.Length - 1; length++)
        {
            Assert.False(DependencyDescriptor.TryRead(l3t3.AsSpan(0, length), structure, out _), $"{length} of {l3t3.Length} bytes");
            Assert.Equal(5, structure.TemplateCount);
        }

        // More than 64 templates (the two-bit steps never end): refused.
        var endless = new BitWriter();
        endless.Write(1, 1).Write(1, 1).Write(0, 6).Write(3, 16);
        endless.Write(1, 1).Write(0, 4).Write(0, 6).Write(0, 5);
        for (var i = 0; i < 70; i++)
        {
            endless.Write(0, 2);
        }

        Assert.False(DependencyDescriptor.TryRead(endless.ToArray(), structure, out _));
        Assert.Equal(5, structure.TemplateCount);
        Assert.True(DependencyDescriptor.TryRead(Descriptor(true, true, 2, 3), structure, out var frame));
        Assert.Equal(1, frame.TemporalId);
    }

    [Fact]
    public void Reading_descriptors_allocates_nothing()
    {
        var structure = new DependencyStructure();
        var key = Descriptor(true, true, 0, 1, L1T3, offset: 0, resolutions: true);
        var delta = Descriptor(true, true, 3, 2);
        DependencyDescriptor.TryRead(key, structure, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            DependencyDescriptor.TryRead(key, structure, out _);
            DependencyDescriptor.TryRead(delta, structure, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// dependency_descriptor(): the mandatory fields, and with <paramref name="templates"/> the extended fields
    /// and a template_dependency_structure() for them (three decode targets, each template's DTIs, one frame diff
    /// per template after the first, one chain).
    /// </summary>
    private static byte[] Descriptor(bool start, bool end, int templateId, int frameNumber, (int Spatial, int Temporal)[]? templates = null, int offset = 0, bool resolutions = false)
    {
        var bits = new BitWriter();
        bits.Write(start ? 1u : 0, 1).Write(end ? 1u : 0, 1).Write((uint)templateId, 6).Write((uint)frameNumber, 16);
        if (templates is null)
        {
            return bits.ToArray();
        }

        // template_dependency_structure_present_flag, active_decode_targets_present_flag, custom dtis/fdiffs/chains.
        bits.Write(1, 1).Write(0, 1).Write(0, 1).Write(0, 1).Write(0, 1);
        const int decodeTargets = 3;
        bits.Write((uint)offset, 6).Write(decodeTargets - 1, 5);

        // template_layers(): 0 same layer, 1 next temporal, 2 next spatial, 3 end.
        for (var i = 0; i < templates.Length; i++)
        {
            var next = i + 1 == templates.Length ? 3u
                : templates[i + 1].Spatial > templates[i].Spatial ? 2u
                : templates[i + 1].Temporal > templates[i].Temporal ? 1u : 0u;
            bits.Write(next, 2);
        }

        // template_dtis(): required (2) for the decode targets at or above the template's temporal layer.
        foreach (var (_, temporal) in templates)
        {
            for (var target = 0; target < decodeTargets; target++)
            {
                bits.Write(target >= temporal ? 2u : 0u, 2);
            }
        }

        // template_fdiffs(): none for the first, one (diff 1) for the others.
        for (var i = 0; i < templates.Length; i++)
        {
            if (i > 0)
            {
                bits.Write(1, 1).Write(0, 4);
            }

            bits.Write(0, 1);
        }

        // template_chains(): chain_cnt = ns(4) = 1 (two bits), decode_target_protected_by[] = ns(1) (no bits), one
        // chain fdiff per template.
        bits.Write(1, 2);
        foreach (var _ in templates)
        {
            bits.Write(1, 4);
        }

        bits.Write(resolutions ? 1u : 0, 1);
        if (resolutions)
        {
            var spatialLayers = templates.Max(t => t.Spatial) + 1;
            for (var spatial = 0; spatial < spatialLayers; spatial++)
            {
                bits.Write((uint)((320 << spatial) - 1), 16).Write((uint)((180 << spatial) - 1), 16);
            }
        }

        return bits.ToArray();
    }

    private sealed class BitWriter
    {
        private readonly List<bool> _bits = [];

        public BitWriter Write(uint value, int count)
        {
            for (var i = count - 1; i >= 0; i--)
            {
                _bits.Add(((value >> i) & 1) == 1);
            }

            return this;
        }

        public byte[] ToArray()
        {
            var bytes = new byte[(_bits.Count + 7) / 8];
            for (var i = 0; i < _bits.Count; i++)
            {
                if (_bits[i])
                {
                    bytes[i / 8] |= (byte)(0x80 >> (i % 8));
                }
            }

            return bytes;
        }
    }
}
