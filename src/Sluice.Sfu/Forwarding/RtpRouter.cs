using System.Buffers.Binary;
using Sluice.Rtc.Rtp;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// Finds the encoding an incoming RTP packet belongs to, as RFC 8843 §9.2 orders it: by the MID header
/// extension (which names the m-section), then the RID or repaired-RID extension (which names the encoding,
/// RFC 8852), then the SSRCs the offer announced (<c>a=ssrc</c>, <c>a=ssrc-group</c>), and only as a last resort
/// by payload type (unique within a BUNDLE group). Once an SSRC is resolved it is remembered, so the steady state
/// is one scan of a short fixed table. Used by the one thread that receives the session; allocates nothing
/// after construction. Packets that resolve to nothing (an unknown MID or RID) are dropped and counted.
/// </summary>
public sealed class RtpRouter
{
    // Simulcast with RTX is six SSRCs per video track; a handful of tracks fit many times over.
    private const int Capacity = 64;

    private readonly PublishedTrack[] _tracks;
    private readonly uint[] _ssrcs = new uint[Capacity];
    private readonly TrackEncoding?[] _encodings = new TrackEncoding?[Capacity];
    private readonly byte[][] _rids;
    private readonly int _midId;
    private readonly int _ridId;
    private readonly int _repairedRidId;
    private int _count;
    private long _unknownMid;
    private long _unknownRid;
    private long _unroutable;

    public RtpRouter(IReadOnlyList<PublishedTrack> tracks)
    {
        _tracks = [.. tracks];
        var rids = new List<byte[]>();
        foreach (var track in _tracks)
        {
            foreach (var encoding in track.Encodings)
            {
                rids.Add(encoding.Rid is null ? [] : System.Text.Encoding.UTF8.GetBytes(encoding.Rid));
                if (encoding.HasSsrc)
                {
                    Bind(encoding.Ssrc, encoding);
                }

                if (encoding.RtxSsrc is { } rtx)
                {
                    Bind(rtx, encoding);
                }
            }
        }

        _rids = [.. rids];

        // Ids are per BUNDLE group, so any section's extmap gives them (RFC 8843 §9.1).
        foreach (var track in _tracks)
        {
            var extensions = track.Negotiated.Extensions;
            _midId = _midId != 0 ? _midId : extensions.GetValueOrDefault(SfuCodecs.Mid);
            _ridId = _ridId != 0 ? _ridId : extensions.GetValueOrDefault(SfuCodecs.RtpStreamId);
            _repairedRidId = _repairedRidId != 0 ? _repairedRidId : extensions.GetValueOrDefault(SfuCodecs.RepairedRtpStreamId);
        }
    }

    /// <summary>Packets whose MID names no m-section of this session.</summary>
    public long UnknownMid => Volatile.Read(ref _unknownMid);

    /// <summary>Packets whose RID names no encoding of their track.</summary>
    public long UnknownRid => Volatile.Read(ref _unknownRid);

    /// <summary>Packets with nothing to route them by (no MID or RID, unannounced SSRC, a payload type of no track), or beyond the SSRC table.</summary>
    public long Unroutable => Volatile.Read(ref _unroutable);

    /// <summary>The encoding of <paramref name="packet"/>, or null (counted) when it belongs to none.</summary>
    public TrackEncoding? Route(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < RtpPacket.FixedHeaderLength)
        {
            return null;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        var ssrcs = _ssrcs.AsSpan(0, _count);
        var index = ssrcs.IndexOf(ssrc);
        return index >= 0 ? _encodings[index] : Resolve(ssrc, packet);
    }

    private TrackEncoding? Resolve(uint ssrc, ReadOnlySpan<byte> packet)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return null;
        }

        PublishedTrack? track = null;
        ReadOnlySpan<byte> rid = default;
        var repaired = false;
        if (rtp.HasExtension)
        {
            foreach (var extension in rtp.GetExtensions())
            {
                if (extension.Id == _midId && _midId != 0)
                {
                    track = FindTrack(extension.Data);
                    if (track is null)
                    {
                        _unknownMid++;
                        return null;
                    }
                }
                else if (extension.Id == _ridId && _ridId != 0)
                {
                    rid = extension.Data;
                }
                else if (extension.Id == _repairedRidId && _repairedRidId != 0)
                {
                    rid = extension.Data;
                    repaired = true;
                }
            }
        }

        track ??= FindTrackByPayloadType(rtp.PayloadType);
        if (track is null)
        {
            _unroutable++;
            return null;
        }

        TrackEncoding? encoding;
        if (!rid.IsEmpty)
        {
            encoding = FindEncoding(track, rid);
            if (encoding is null)
            {
                _unknownRid++;
                return null;
            }
        }
        else
        {
            // No RID: the track's only encoding, or the first whose SSRC is still unknown (SSRC-signalled layers).
            encoding = track.Encodings[0];
            foreach (var candidate in track.Encodings)
            {
                if (!candidate.HasSsrc)
                {
                    encoding = candidate;
                    break;
                }
            }

            repaired = encoding.IsRtxPayloadType(rtp.PayloadType);
        }

        if (repaired)
        {
            encoding.RtxSsrc = ssrc;
        }
        else
        {
            // A new media SSRC replaces the encoding's old one (an encoder restart): keep the table to live SSRCs.
            Unbind(encoding, except: encoding.RtxSsrc);
        }

        if (!Bind(ssrc, encoding))
        {
            _unroutable++;
            return null;
        }

        return encoding;
    }

    private bool Bind(uint ssrc, TrackEncoding encoding)
    {
        if (_count == Capacity)
        {
            return false;
        }

        _ssrcs[_count] = ssrc;
        _encodings[_count] = encoding;
        _count++;
        return true;
    }

    private void Unbind(TrackEncoding encoding, uint? except)
    {
        for (var i = _count - 1; i >= 0; i--)
        {
            if (_encodings[i] == encoding && _ssrcs[i] != except)
            {
                _count--;
                _ssrcs[i] = _ssrcs[_count];
                _encodings[i] = _encodings[_count];
                _encodings[_count] = null;
            }
        }
    }

    private PublishedTrack? FindTrack(ReadOnlySpan<byte> mid)
    {
        foreach (var track in _tracks)
        {
            if (mid.SequenceEqual(track.MidBytes))
            {
                return track;
            }
        }

        return null;
    }

    /// <summary>The one track whose section carries <paramref name="payloadType"/>; none when several do (RFC 8843 §9.2: only a unique payload type identifies a section).</summary>
    private PublishedTrack? FindTrackByPayloadType(int payloadType)
    {
        PublishedTrack? found = null;
        foreach (var track in _tracks)
        {
            if (track.Encodings[0].Carries(payloadType))
            {
                if (found is not null)
                {
                    return null;
                }

                found = track;
            }
        }

        return found;
    }

    private TrackEncoding? FindEncoding(PublishedTrack track, ReadOnlySpan<byte> rid)
    {
        var offset = 0;
        foreach (var other in _tracks)
        {
            if (other == track)
            {
                break;
            }

            offset += other.Encodings.Length;
        }

        for (var i = 0; i < track.Encodings.Length; i++)
        {
            if (rid.SequenceEqual(_rids[offset + i]))
            {
                return track.Encodings[i];
            }
        }

        return null;
    }
}
