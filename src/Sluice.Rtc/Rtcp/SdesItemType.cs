namespace Sluice.Rtc.Rtcp;

/// <summary>SDES item types (RFC 3550 §6.5, §12.2).</summary>
public enum SdesItemType : byte
{
    /// <summary>Ends a chunk's item list.</summary>
    End = 0,

    /// <summary>Canonical end-point identifier, §6.5.1.</summary>
    Cname = 1,

    /// <summary>User name, §6.5.2.</summary>
    Name = 2,

    /// <summary>Electronic mail address, §6.5.3.</summary>
    Email = 3,

    /// <summary>Phone number, §6.5.4.</summary>
    Phone = 4,

    /// <summary>Geographic user location, §6.5.5.</summary>
    Location = 5,

    /// <summary>Application or tool name, §6.5.6.</summary>
    Tool = 6,

    /// <summary>Notice/status, §6.5.7.</summary>
    Note = 7,

    /// <summary>Private extensions, §6.5.8.</summary>
    Private = 8,
}
