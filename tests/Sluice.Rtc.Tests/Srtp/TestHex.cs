namespace Sluice.Rtc.Tests.Srtp;

internal static class TestHex
{
    /// <summary>Parses hex written the way RFCs print it: any whitespace between octets is ignored.</summary>
    public static byte[] Parse(string text)
    {
        var compact = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }

        return Convert.FromHexString(compact.ToString());
    }
}
