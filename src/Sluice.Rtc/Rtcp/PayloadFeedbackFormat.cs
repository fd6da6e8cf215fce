namespace Sluice.Rtc.Rtcp;

/// <summary>FMT values of payload-specific feedback (<see cref="RtcpPacketType.PayloadSpecificFeedback"/>).</summary>
public enum PayloadFeedbackFormat : byte
{
    /// <summary>PLI, RFC 4585 §6.3.1.</summary>
    PictureLossIndication = 1,

    /// <summary>FIR, RFC 5104 §4.3.1.</summary>
    FullIntraRequest = 4,

    /// <summary>Application layer feedback, RFC 4585 §6.4; carries REMB (draft-alvestrand-rmcat-remb).</summary>
    ApplicationLayer = 15,
}
