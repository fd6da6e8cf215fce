namespace Sluice.Server.Whip;

/// <summary>
/// The parts of an application/trickle-ice-sdpfrag body (RFC 8840 §4.4) a WHIP/WHEP server acts on: the
/// client's ICE credentials (new ones mean an ICE restart) and its candidates (an ICE-lite server learns
/// peer addresses from connectivity checks, so it only needs to accept them).
/// </summary>
internal sealed record SdpFragment(string? IceUfrag, string? IcePwd, int Candidates, bool EndOfCandidates)
{
    public static bool TryParse(string body, out SdpFragment? fragment, out string? error)
    {
        string? ufrag = null;
        string? pwd = null;
        var candidates = 0;
        var end = false;
        var lineNumber = 0;
        foreach (var raw in body.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=')
            {
                fragment = null;
                error = $"line {lineNumber}: '{Truncate(line)}' is not an SDP line (type=value)";
                return false;
            }

            if (line.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))
            {
                ufrag = line["a=ice-ufrag:".Length..];
            }
            else if (line.StartsWith("a=ice-pwd:", StringComparison.Ordinal))
            {
                pwd = line["a=ice-pwd:".Length..];
            }
            else if (line.StartsWith("a=candidate:", StringComparison.Ordinal))
            {
                candidates++;
            }
            else if (line == "a=end-of-candidates")
            {
                end = true;
            }
        }

        if ((ufrag is null) != (pwd is null))
        {
            fragment = null;
            error = "an ICE restart needs both a=ice-ufrag and a=ice-pwd";
            return false;
        }

        // RFC 8839 §5.4: ice-ufrag is 4 to 256 ice-chars, ice-pwd 22 to 256.
        if (ufrag is not null && (!IsIceChars(ufrag, 4) || !IsIceChars(pwd!, 22)))
        {
            fragment = null;
            error = "a=ice-ufrag must be 4 to 256 and a=ice-pwd 22 to 256 of A-Z a-z 0-9 + / (RFC 8839 §5.4)";
            return false;
        }

        fragment = new SdpFragment(ufrag, pwd, candidates, end);
        error = null;
        return true;
    }

    private static bool IsIceChars(string value, int minLength) =>
        value.Length >= minLength && value.Length <= 256 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/');

    private static string Truncate(string line) => line.Length > 40 ? line[..40] + "…" : line;
}
