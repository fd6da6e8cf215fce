namespace Sluice.Rtc.Sdp;

/// <summary>Thrown by <see cref="SessionDescription.Parse"/>; the message names the line and the problem.</summary>
public sealed class SdpParseException : FormatException
{
    public SdpParseException()
    {
    }

    public SdpParseException(string message)
        : base(message)
    {
    }

    public SdpParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
