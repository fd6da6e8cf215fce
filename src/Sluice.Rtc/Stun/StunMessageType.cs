namespace Sluice.Rtc.Stun;

/// <summary>
/// STUN message type: method and class packed into the 14 type bits (RFC 8489 §5, §18.2).
/// Only the Binding method is named; any other value can still be carried.
/// </summary>
public enum StunMessageType : ushort
{
    BindingRequest = 0x0001,
    BindingIndication = 0x0011,
    BindingSuccessResponse = 0x0101,
    BindingErrorResponse = 0x0111,
}
