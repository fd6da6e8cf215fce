namespace Sluice.Rtc.Srtp;

/// <summary>
/// Sliding replay list over packet indices (RFC 3711 §3.3.2): the highest index accepted and a
/// bitmap of the <see cref="Size"/> indices at and below it. RFC 3711 asks for at least 64;
/// 128 tolerates the reordering seen with retransmissions on busy links.
/// </summary>
internal struct ReplayWindow
{
    public const int Size = 128;

    private UInt128 _seen;   // bit d set: index (Highest - d) accepted
    private long _top;       // Highest + 1; zero while nothing was accepted

    public readonly bool IsEmpty => _top == 0;

    /// <summary>Highest accepted index; -1 when empty.</summary>
    public readonly long Highest => _top - 1;

    /// <summary>Whether <paramref name="index"/> may be accepted; does not change the window.</summary>
    public readonly SrtpResult Check(long index)
    {
        if (index < 0)
        {
            return SrtpResult.ReplayTooOld;
        }

        long delta = Highest - index;
        if (_top == 0 || delta < 0)
        {
            return SrtpResult.Ok;
        }

        if (delta >= Size)
        {
            return SrtpResult.ReplayTooOld;
        }

        return ((_seen >> (int)delta) & UInt128.One) != UInt128.Zero ? SrtpResult.ReplayDuplicate : SrtpResult.Ok;
    }

    /// <summary>Records <paramref name="index"/>, sliding the window forward when it is the new highest.</summary>
    public void Accept(long index)
    {
        if (_top == 0 || index > Highest)
        {
            long shift = _top == 0 ? Size : index - Highest;
            _seen = shift >= Size ? UInt128.One : (_seen << (int)shift) | UInt128.One;
            _top = index + 1;
            return;
        }

        long delta = Highest - index;
        if (delta < Size)
        {
            _seen |= UInt128.One << (int)delta;
        }
    }
}
