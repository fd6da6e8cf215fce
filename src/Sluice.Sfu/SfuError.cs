namespace Sluice.Sfu;

/// <summary>The expected ways a control request fails; the server maps each to one HTTP status.</summary>
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
}

/// <summary>An expected failure, with a message a user can act on.</summary>
public sealed record SfuError(SfuErrorKind Kind, string Message);
