namespace Sluice.Sfu;

/// <summary>The expected ways a control request fails; the server maps each to one HTTP status, in one place.</summary>
public enum SfuErrorKind
{
    /// <summary>The SDP could not be parsed.</summary>
    InvalidSdp,

    /// <summary>The SDP parsed but offers nothing we can use (no media, only unsupported codecs, no ICE or DTLS).</summary>
    UnusableOffer,

    /// <summary>The stream already has a publisher.</summary>
    PublisherExists,

    StreamNotFound,

    SessionNotFound,

    /// <summary>The request's If-Match names a version of the session that is no longer current.</summary>
    PreconditionFailed,

    /// <summary>The node is refusing new sessions.</summary>
    Unavailable,

    /// <summary>A renegotiation answer that does not fit the offer it answers (unknown mids, a malformed section).</summary>
    InvalidAnswer,

    /// <summary>A conference already has a live session with this full id and role.</summary>
    Duplicate,

    /// <summary>A renegotiation is already in flight, or the session is not in a state to renegotiate.</summary>
    Conflict,

    /// <summary>The other server of a cascade refused it, could not be reached, or answered something unusable.</summary>
    CascadeFailed,

    /// <summary>The other server of a cascade did not answer in time.</summary>
    CascadeTimedOut,
}

/// <summary>An expected failure, with a message a user can act on.</summary>
public sealed record SfuError(SfuErrorKind Kind, string Message);

/// <summary>A value, or the expected failure that prevented it.</summary>
public readonly struct SfuResult<T>
    where T : class
{
    private SfuResult(T? value, SfuError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public SfuError? Error { get; }

    public bool IsSuccess => Error is null;

    public static implicit operator SfuResult<T>(T value) => new(value, null);

    public static implicit operator SfuResult<T>(SfuError error) => new(null, error);
}
