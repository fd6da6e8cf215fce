namespace Sluice.Sfu;

/// <summary>
/// Who a conference session belongs to: the participant's id (a person: weever-streaming's id before the first
/// <c>+</c>, without a trailing <c>-screen</c>) and the full id the session joined with (<c>alice+1733</c>,
/// <c>alice-screen+1733</c>). A person may have several publishing sessions (camera, screen) and receives
/// nobody's tracks of their own.
/// </summary>
public readonly record struct Participant(string Id, string FullId)
{
    public override string ToString() => FullId;
}
