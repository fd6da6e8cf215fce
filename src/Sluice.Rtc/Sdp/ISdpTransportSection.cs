namespace Sluice.Rtc.Sdp;

/// <summary>ICE (RFC 8839 §5) and DTLS (RFC 8122 §5, RFC 4145 §4) attributes allowed at both session and media level.</summary>
internal interface ISdpTransportSection
{
    string? IceUfrag { get; set; }

    string? IcePwd { get; set; }

    string? IceOptions { get; set; }

    List<string> Fingerprints { get; }

    DtlsSetup? Setup { get; set; }
}
