using System.Diagnostics.CodeAnalysis;

namespace Sluice.Rtc.Stun;

/// <summary>Throw helpers, kept out of the writer's small methods so those stay inlinable.</summary>
internal static class StunThrow
{
    [DoesNotReturn]
    public static void BufferTooSmall() =>
        throw new ArgumentException("The STUN message does not fit in the buffer given to StunWriter.");

    [DoesNotReturn]
    public static void AttributeAfter(string last) =>
        throw new InvalidOperationException($"No attribute other than FINGERPRINT may follow {last}.");

    [DoesNotReturn]
    public static void ValueTooLong(string attribute, int maxBytes) =>
        throw new ArgumentException($"{attribute} is limited to {maxBytes} bytes of UTF-8.");
}
