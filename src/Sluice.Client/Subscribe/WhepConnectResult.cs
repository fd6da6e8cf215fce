using Sluice.Client.Signaling;

namespace Sluice.Client.Subscribe;

/// <summary>How connecting a <see cref="WhepSubscriber"/> went: the HTTP error, another failure, or neither.</summary>
internal sealed record WhepConnectResult(SessionError? HttpError = null, string? Failure = null)
{
    public static WhepConnectResult Success { get; } = new();

    public bool Succeeded => HttpError is null && Failure is null;

    public string Describe() => HttpError?.Describe() ?? Failure ?? "connected";
}
