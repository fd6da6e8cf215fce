namespace Sluice.Client.Subscribe;

/// <summary>Counters of one WHEP session. Times are from the start of the POST.</summary>
internal sealed record WhepStats(
    TimeSpan? FirstPacketTime,
    TimeSpan? FirstFrameTime,
    long PacketsReceived,
    long BytesReceived,
    long Lost,
    long Recovered,
    long NacksSent,
    long NackedPackets,
    long PlisSent,
    long VideoFrames,
    long AudioFrames,
    long DroppedFrames,
    TimeSpan ReceiveDuration)
{
    public double BitrateKbps => ReceiveDuration > TimeSpan.Zero ? BytesReceived * 8 / ReceiveDuration.TotalSeconds / 1000 : 0;

    public string Summary() =>
        $"first frame {Ms(FirstFrameTime)}, first packet {Ms(FirstPacketTime)}; received {PacketsReceived} packets, lost {Lost} " +
        $"(recovered {Recovered}), NACKs sent {NacksSent} ({NackedPackets} packets), PLIs {PlisSent}, {BitrateKbps:0} kbit/s; " +
        $"frames written: video {VideoFrames}, audio {AudioFrames} (dropped {DroppedFrames})";

    private static string Ms(TimeSpan? time) => time is { } t ? $"{t.TotalMilliseconds:0} ms" : "never";
}
