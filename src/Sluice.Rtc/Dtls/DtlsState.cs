namespace Sluice.Rtc.Dtls;

/// <summary>Lifecycle of a <see cref="DtlsTransport"/>. States only move forward in this order; Failed and Closed are terminal.</summary>
public enum DtlsState
{
    New = 0,
    Connecting = 1,
    Connected = 2,
    Failed = 3,
    Closed = 4,
}
