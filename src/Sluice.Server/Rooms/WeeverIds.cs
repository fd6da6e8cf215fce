namespace Sluice.Server.Rooms;

/// <summary>
/// weever-streaming's ids: a room name, and a "full id" per session (<c>alice+1733</c>; a screen share
/// <c>alice-screen+1733</c>) whose part before the first <c>+</c>, without <c>-screen</c>, is the participant.
/// </summary>
internal static class WeeverIds
{
    private const string ScreenSuffix = "-screen";

    /// <summary>
    /// Why <paramref name="value"/> is not a usable <paramref name="what"/> (<c>id</c> or <c>room</c>), in the words
    /// weever's clients expect, or null. Unlike weever, the characters HTML gives meaning to are refused too, so
    /// an id can never inject markup into a page that shows it.
    /// </summary>
    public static string? Problem(string value, string what)
    {
        if (value.Length == 0)
        {
            return $"{what} should not be empty";
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return $"{what} should be ascii graphic";
            }
        }

        if (value.Contains('.', StringComparison.Ordinal))
        {
            return $"{what} should not contain '.'";
        }

        return value.AsSpan().IndexOfAny("<>\"'&") >= 0 ? $"{what} should not contain <>\"'&" : null;
    }

    /// <summary>The person a full id belongs to: before the first <c>+</c>, without a trailing <c>-screen</c>.</summary>
    public static string ParticipantOf(string fullId)
    {
        var plus = fullId.IndexOf('+', StringComparison.Ordinal);
        var id = plus < 0 ? fullId : fullId[..plus];
        return id.EndsWith(ScreenSuffix, StringComparison.Ordinal) && id.Length > ScreenSuffix.Length ? id[..^ScreenSuffix.Length] : id;
    }
}
