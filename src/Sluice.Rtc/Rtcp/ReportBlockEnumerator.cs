namespace Sluice.Rtc.Rtcp;

/// <summary>Enumerates report blocks (RFC 3550 §6.4.1) of an SR or RR that was already length-checked.</summary>
public ref struct ReportBlockEnumerator
{
    private readonly ReadOnlySpan<byte> _blocks;
    private int _offset;

    /// <summary>Enumerates the whole blocks in <paramref name="blocks"/>.</summary>
    public ReportBlockEnumerator(ReadOnlySpan<byte> blocks)
    {
        _blocks = blocks;
        _offset = -ReportBlock.Length;
        Current = default;
    }

    /// <summary>The current block.</summary>
    public ReportBlock Current { readonly get; private set; }

    /// <summary>Returns this enumerator, so <c>foreach</c> works on it directly.</summary>
    public readonly ReportBlockEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next block.</summary>
    public bool MoveNext()
    {
        int next = _offset + ReportBlock.Length;
        if (next + ReportBlock.Length > _blocks.Length || !ReportBlock.TryRead(_blocks.Slice(next), out ReportBlock block))
        {
            return false;
        }

        _offset = next;
        Current = block;
        return true;
    }
}
