namespace Sluice.Client.Rtp;

/// <summary>
/// One-way latencies in 0.25 ms bins up to 2 s (longer ones in the last bin): recorded per packet without
/// allocating, merged across receivers, read as percentiles.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double BinMs = 0.25;
    private readonly long[] _bins = new long[8000];

    public long Count { get; private set; }

    public void Record(double milliseconds)
    {
        var bin = (int)Math.Clamp(milliseconds / BinMs, 0, _bins.Length - 1);
        _bins[bin]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _bins.Length; i++)
        {
            _bins[i] += other._bins[i];
        }

        Count += other.Count;
    }

    /// <summary>The upper edge of the bin holding the <paramref name="percent"/>-th sample; null when empty.</summary>
    public double? Percentile(double percent)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(percent / 100 * Count);
        long seen = 0;
        for (var i = 0; i < _bins.Length; i++)
        {
            seen += _bins[i];
            if (seen >= rank)
            {
                return (i + 1) * BinMs;
            }
        }

        return _bins.Length * BinMs;
    }
}
