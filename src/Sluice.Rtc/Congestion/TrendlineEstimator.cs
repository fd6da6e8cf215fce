namespace Sluice.Rtc.Congestion;

/// <summary>
/// Estimates the trend of the one-way queuing delay: accumulates the delay variations of successive packet
/// groups, smooths the sum exponentially and fits a least-squares line through the last <see cref="WindowSize"/>
/// smoothed points against arrival time. A positive slope means a queue is building.
/// </summary>
internal sealed class TrendlineEstimator
{
    internal const int WindowSize = 20;
    internal const double Smoothing = 0.9;

    private readonly double[] _x = new double[WindowSize];
    private readonly double[] _y = new double[WindowSize];
    private int _count;
    private int _next;
    private double _accumulated;
    private double _smoothed;
    private long _firstArrival = long.MinValue;

    /// <summary>Slope of the latest fit (ms of delay per ms of time), 0 until the window is full.</summary>
    internal double Slope { get; private set; }

    /// <summary>Deltas seen since the last reset, capped at 1000.</summary>
    internal int DeltaCount { get; private set; }

    internal void Reset()
    {
        _count = 0;
        _next = 0;
        _accumulated = 0;
        _smoothed = 0;
        _firstArrival = long.MinValue;
        Slope = 0;
        DeltaCount = 0;
    }

    /// <summary>Adds one group's delay variation (arrival delta − send delta) and returns the new slope.</summary>
    internal double Update(long sendDeltaMicros, long arrivalDeltaMicros, long arrivalMicros)
    {
        if (_firstArrival == long.MinValue)
        {
            _firstArrival = arrivalMicros;
        }

        DeltaCount = Math.Min(DeltaCount + 1, 1000);
        _accumulated += (arrivalDeltaMicros - sendDeltaMicros) / 1000.0;
        _smoothed = (Smoothing * _smoothed) + ((1 - Smoothing) * _accumulated);

        _x[_next] = (arrivalMicros - _firstArrival) / 1000.0;
        _y[_next] = _smoothed;
        _next = (_next + 1) % WindowSize;
        if (_count < WindowSize)
        {
            _count++;
        }

        if (_count == WindowSize && TryFitSlope(out double slope))
        {
            Slope = slope;
        }

        return Slope;
    }

    private bool TryFitSlope(out double slope)
    {
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < _count; i++)
        {
            meanX += _x[i];
            meanY += _y[i];
        }

        meanX /= _count;
        meanY /= _count;
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i < _count; i++)
        {
            double dx = _x[i] - meanX;
            numerator += dx * (_y[i] - meanY);
            denominator += dx * dx;
        }

        slope = numerator / denominator;
        return denominator > 0 && double.IsFinite(slope);
    }
}
