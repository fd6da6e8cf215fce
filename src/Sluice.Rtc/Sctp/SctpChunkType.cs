namespace Sluice.Rtc.Sctp;

/// <summary>Chunk types (RFC 9260 §3.2, RFC 6525 §3.1 RE-CONFIG, RFC 3758 §3.2 FORWARD-TSN).</summary>
public enum SctpChunkType : byte
{
    Data = 0,
    Init = 1,
    InitAck = 2,
    Sack = 3,
    Heartbeat = 4,
    HeartbeatAck = 5,
    Abort = 6,
    Shutdown = 7,
    ShutdownAck = 8,
    Error = 9,
    CookieEcho = 10,
    CookieAck = 11,
    ShutdownComplete = 14,
    ReConfig = 130,
    ForwardTsn = 192,
}

/// <summary>Parameter types used in INIT / INIT-ACK, HEARTBEAT and RE-CONFIG (RFC 9260 §3.3.2.1, RFC 6525 §4, RFC 3758).</summary>
public enum SctpParameterType : ushort
{
    HeartbeatInfo = 1,
    StateCookie = 7,
    UnrecognizedParameter = 8,
    CookiePreservative = 9,
    SupportedAddressTypes = 12,
    OutgoingSsnResetRequest = 13,
    IncomingSsnResetRequest = 14,
    ReconfigurationResponse = 16,
    SupportedExtensions = 0x8008,
    ForwardTsnSupported = 0xC000,
}

/// <summary>Error cause codes (RFC 9260 §3.3.10) the association writes or recognises.</summary>
public enum SctpErrorCause : ushort
{
    InvalidStreamIdentifier = 1,
    MissingMandatoryParameter = 2,
    StaleCookie = 3,
    OutOfResource = 4,
    UnrecognizedChunkType = 6,
    InvalidMandatoryParameter = 7,
    NoUserData = 9,
    ProtocolViolation = 13,
    UserInitiatedAbort = 12,
}

/// <summary>Results of a stream reset request (RFC 6525 §4.4).</summary>
public enum SctpReconfigResult : uint
{
    SuccessNothingToDo = 0,
    SuccessPerformed = 1,
    Denied = 2,
    ErrorWrongSsn = 3,
    ErrorRequestAlreadyInProgress = 4,
    ErrorBadSequenceNumber = 5,
    InProgress = 6,
}
