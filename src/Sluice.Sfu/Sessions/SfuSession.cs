using System.Security.Cryptography;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>One client's WebRTC connection to the node, as the HTTP resource (WHIP/WHEP session) sees it.</summary>
public abstract class SfuSession : IDisposable
{
    [ThreadStatic]
    private static byte[]? t_scratch;

    private readonly TimeProvider _time;
    private readonly long _createdTimestamp;
    private int _mediaStarted;

    protected SfuSession(MediaStream stream, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time)
    {
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Stream = stream;
        Transport = transport;
        RemoteIce = remoteIce;
        Tracks = tracks;
        CreatedAt = time.GetUtcNow();
        ETag = NewETag();
        _time = time;
        _createdTimestamp = time.GetTimestamp();
    }

    /// <summary>
    /// Raised once, on the forwarding thread, when the session's first media packet flows: for a publisher the
    /// first RTP received, for a subscriber the first RTP sent. Handlers must be quick and must not block.
    /// </summary>
    public event Action<SfuSession>? MediaStarted;

    /// <summary>From the session's creation (its WHIP/WHEP POST) to its first media packet; null until then.</summary>
    public TimeSpan? SetupTime { get; private set; }

    public string Id { get; }

    public MediaStream Stream { get; }

    public abstract SessionRole Role { get; }

    public WebRtcTransport Transport { get; }

    public IReadOnlyList<NegotiatedTrack> Tracks { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the transport first connected (ICE and DTLS done); null before.</summary>
    public DateTimeOffset? ConnectedAt { get; internal set; }

    /// <summary>The entity tag of the session resource (RFC 9725 §4.3.1); it changes on ICE restart.</summary>
    public string ETag { get; private set; }

    public IceParameters RemoteIce { get; private set; }

    /// <summary>Who created the session (the server stores a hash of the creating token), for who may PATCH and DELETE it; null without auth.</summary>
    public string? Owner { get; set; }

    /// <summary>
    /// A per-receive-thread buffer for rewritten packets: the transport protects and sends synchronously,
    /// so one buffer serves every packet the thread forwards.
    /// </summary>
    protected static Span<byte> Scratch => t_scratch ??= GC.AllocateArray<byte>(2048, pinned: true);

    /// <summary>True once media has flowed: the hot path checks this bool and calls <see cref="OnMediaStarted"/> only before.</summary>
    protected bool HasMediaStarted => _mediaStarted != 0;

    /// <summary>Records the setup time and raises <see cref="MediaStarted"/>, once even if two threads race here.</summary>
    protected void OnMediaStarted()
    {
        if (Interlocked.Exchange(ref _mediaStarted, 1) != 0)
        {
            return;
        }

        SetupTime = _time.GetElapsedTime(_createdTimestamp);
        MediaStarted?.Invoke(this);
    }

    /// <summary>Starts forwarding; called once the transport is connected.</summary>
    internal abstract void Activate();

    /// <summary>Stops forwarding; the stream stays for the others.</summary>
    internal abstract void Deactivate();

    /// <summary>ICE restart with the peer's new credentials: new local ones, a new ETag.</summary>
    internal IceParameters RestartIce(IceParameters newRemote)
    {
        var local = IceParameters.Generate();
        RemoteIce = newRemote;
        Transport.RestartIce(local, newRemote);
        ETag = NewETag();
        return local;
    }

    public void Dispose()
    {
        Deactivate();
        Transport.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string NewETag() => "\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\"";
}
