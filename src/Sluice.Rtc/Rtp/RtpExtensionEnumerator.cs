namespace Sluice.Rtc.Rtp;

/// <summary>
/// Walks RFC 8285 header extension elements (one-byte §4.2 and two-byte §4.3 forms), skipping
/// padding bytes. It stops silently at the first malformed element or, in one-byte form, at the
/// reserved id 15 (RFC 8285 §4.2 says processing ends there).
/// </summary>
public ref struct RtpExtensionEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _oneByte;
    private readonly bool _twoByte;
    private int _offset;
    private RtpExtension _current;

    /// <summary>Enumerates <paramref name="extensionData"/> (the bytes after the profile/length word).</summary>
    public RtpExtensionEnumerator(ushort profile, ReadOnlySpan<byte> extensionData)
    {
        _data = extensionData;
        _oneByte = RtpExtensionProfile.IsOneByte(profile);
        _twoByte = RtpExtensionProfile.IsTwoByte(profile);
        _offset = 0;
        _current = default;
    }

    /// <summary>The element at the current position.</summary>
    public readonly RtpExtension Current => _current;

    /// <summary>Returns this enumerator, so <c>foreach</c> works on it directly.</summary>
    public readonly RtpExtensionEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next element; false at the end or at malformed data.</summary>
    public bool MoveNext()
    {
        if (!_oneByte && !_twoByte)
        {
            return false;
        }

        while (_offset < _data.Length)
        {
            byte first = _data[_offset];
            if (first == 0)
            {
                _offset++;
                continue;
            }

            int id;
            int length;
            int headerSize;
            if (_oneByte)
            {
                id = first >> 4;
                if (id == 15)
                {
                    break;
                }

                length = (first & 0x0F) + 1;
                headerSize = 1;
            }
            else
            {
                if (_offset + 2 > _data.Length)
                {
                    break;
                }

                id = first;
                length = _data[_offset + 1];
                headerSize = 2;
            }

            int start = _offset + headerSize;
            if (start + length > _data.Length)
            {
                break;
            }

            _current = new RtpExtension(id, _data.Slice(start, length));
            _offset = start + length;
            return true;
        }

        _offset = _data.Length;
        _current = default;
        return false;
    }
}
