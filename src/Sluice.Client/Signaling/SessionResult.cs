using System.Diagnostics.CodeAnalysis;

namespace Sluice.Client.Signaling;

/// <summary>Either the answer or the error of a session POST: expected failures are values.</summary>
internal readonly record struct SessionResult(SessionAnswer? Answer, SessionError? Error)
{
    [MemberNotNullWhen(true, nameof(Answer))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Answer is not null;
}
