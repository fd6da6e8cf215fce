namespace Sluice.Rtc.Sdp;

/// <summary>
/// <c>a=simulcast</c> (RFC 8853 §5.1). <see cref="Send"/> and <see cref="Recv"/> are the raw stream lists
/// (<c>q;h;f</c>, alternatives separated by <c>,</c>, a leading <c>~</c> marks a paused stream).
/// </summary>
public sealed record SdpSimulcast(string? Send, string? Recv)
{
    /// <summary>The send streams, each a list of alternative rids (the <c>~</c> prefix kept).</summary>
    public IReadOnlyList<IReadOnlyList<string>> SendStreams => Split(Send);

    /// <summary>The receive streams, each a list of alternative rids (the <c>~</c> prefix kept).</summary>
    public IReadOnlyList<IReadOnlyList<string>> RecvStreams => Split(Recv);

    internal string Value => (Send, Recv) switch
    {
        (not null, not null) => "send " + Send + " recv " + Recv,
        (not null, null) => "send " + Send,
        (null, not null) => "recv " + Recv,
        _ => string.Empty,
    };

    private static List<IReadOnlyList<string>> Split(string? list)
    {
        var streams = new List<IReadOnlyList<string>>();
        if (list is null)
        {
            return streams;
        }

        foreach (var stream in list.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            streams.Add(stream.Split(',', StringSplitOptions.RemoveEmptyEntries));
        }

        return streams;
    }
}
