namespace Sluice.Server.Auth;

/// <summary>Endpoint metadata: this endpoint also takes its bearer token as <c>?token=</c> (for EventSource).</summary>
public sealed class QueryTokenAllowed
{
    public static QueryTokenAllowed Instance { get; } = new();
}
