namespace Sluice.Rtc.Srtp;

/// <summary>
/// SRTP packet index i = 2^16 · ROC + SEQ, estimated from the highest index seen
/// (RFC 3711 §3.3.1 and the pseudocode of Appendix A).
/// </summary>
internal static class SrtpIndex
{
    private const int Half = 32_768;

    /// <summary>
    /// The index of a packet with sequence number <paramref name="sequence"/>, given the highest
    /// index so far; -1 when the guess is ROC − 1 with ROC already zero (a packet from before the
    /// stream began, which no sender could have produced).
    /// </summary>
    public static long Estimate(long highest, ushort sequence)
    {
        long roc = highest >> 16;
        int last = (int)(highest & 0xFFFF);
        long v;
        if (last < Half)
        {
            v = sequence - last > Half ? roc - 1 : roc;
        }
        else
        {
            v = last - Half > sequence ? roc + 1 : roc;
        }

        return v < 0 ? -1 : (v << 16) | sequence;
    }
}
