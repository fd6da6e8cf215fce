using System.Globalization;

namespace Sluice.Rtc.Sdp;

/// <summary>Spellings of enum values on the wire and strict number parsing shared by the parser and writer.</summary>
internal static class SdpText
{
    public static string Direction(MediaDirection direction) => direction switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    public static bool TryParseDirection(string text, out MediaDirection direction)
    {
        switch (text)
        {
            case "sendrecv": direction = MediaDirection.SendRecv; return true;
            case "sendonly": direction = MediaDirection.SendOnly; return true;
            case "recvonly": direction = MediaDirection.RecvOnly; return true;
            case "inactive": direction = MediaDirection.Inactive; return true;
            default: direction = MediaDirection.SendRecv; return false;
        }
    }

    public static string Setup(DtlsSetup setup) => setup switch
    {
        DtlsSetup.Active => "active",
        DtlsSetup.Passive => "passive",
        DtlsSetup.HoldConn => "holdconn",
        _ => "actpass",
    };

    public static bool TryParseSetup(string text, out DtlsSetup setup)
    {
        switch (text)
        {
            case "active": setup = DtlsSetup.Active; return true;
            case "passive": setup = DtlsSetup.Passive; return true;
            case "actpass": setup = DtlsSetup.ActPass; return true;
            case "holdconn": setup = DtlsSetup.HoldConn; return true;
            default: setup = DtlsSetup.ActPass; return false;
        }
    }

    /// <summary>Digits only (no sign, no spaces), so that written numbers read back identically.</summary>
    public static bool TryParseInt(string text, int min, int max, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 10)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    public static bool TryParseUInt(string text, out uint value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return text.Length > 0 && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseULong(string text, out ulong value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return text.Length > 0 && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string[] Tokens(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
