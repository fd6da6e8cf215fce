namespace Sluice.Client.Publish;

/// <summary>What <see cref="WhipPublisher"/> publishes, and where.</summary>
internal sealed record WhipPublisherOptions(Uri Endpoint)
{
    public string? VideoPath { get; init; }

    public string? AudioPath { get; init; }

    /// <summary>Restart the files at their end, timestamps and sequence numbers continuing.</summary>
    public bool Loop { get; init; }

    public string? Token { get; init; }

    /// <summary>Frame rate of raw H264 files, which carry no timestamps.</summary>
    public double Fps { get; init; } = 30;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest RTP payload: leaves room for headers, SRTP and tunnels below a 1500-byte MTU.</summary>
    public int MaxPayloadSize { get; init; } = 1200;

    /// <summary>At the end of the files, how long to keep answering NACKs before ending the session.</summary>
    public TimeSpan EndLinger { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Negotiate a data channel and send each line of this file (<c>-</c>: stdin) on <see cref="Label"/>.</summary>
    public string? DataIn { get; init; }

    /// <summary>Negotiate a data channel and write each received message here as a JSON line (<c>-</c>: stdout).</summary>
    public string? DataOut { get; init; }

    /// <summary>The label of the channel <see cref="DataIn"/> sends on.</summary>
    public string Label { get; init; } = "chat";

    /// <summary>
    /// Joining a room (weever-streaming's <c>/pub/{room}/{id}</c>): the session has no URL, so it opens a
    /// <c>control</c> channel and ends with <c>STOP</c> on it instead of DELETE.
    /// </summary>
    public bool Conference { get; init; }

    public bool WantsData => DataIn is not null || DataOut is not null;
}
