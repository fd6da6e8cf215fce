namespace Sluice.Media.Codecs;

/// <summary>Reads big-endian bit fields (MSB first) from a span; never throws.</summary>
internal ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _bit;

    public bool TryRead(int count, out uint value)
    {
        value = 0;
        if (count is < 0 or > 32 || _bit + count > _data.Length * 8)
        {
            return false;
        }

        for (int i = 0; i < count; i++, _bit++)
        {
            value = (value << 1) | (uint)((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
        }

        return true;
    }
}
