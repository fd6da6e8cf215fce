using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Sluice.Client.Signaling;

/// <summary>
/// The HTTP side of one WHIP or WHEP session (RFC 9725): POST the SDP offer to the endpoint (§4.2), keep the
/// session URL from <c>Location</c> resolved against the request URL, and DELETE it to end the session (§4.2).
/// The bearer token, when given, goes on every request (§4.5). Disposing deletes a session still open.
/// </summary>
internal sealed class SessionClient : IAsyncDisposable
{
    public const string SdpMediaType = "application/sdp";
    public const string TrickleIceMediaType = "application/trickle-ice-sdpfrag";

    private readonly HttpClient _http;
    private readonly string? _token;
    private readonly bool _requireLocation;
    private int _deleted;

    /// <param name="requireLocation">
    /// False for servers that give a session no URL (weever-streaming's <c>/pub</c> and <c>/sub</c>: the session ends
    /// with <c>STOP</c> on its control channel); then there is nothing to DELETE.
    /// </param>
    public SessionClient(HttpClient http, Uri endpoint, string? token, bool requireLocation = true)
    {
        _requireLocation = requireLocation;
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The WHIP/WHEP endpoint must be an absolute URL.", nameof(endpoint));
        }

        _http = http;
        Endpoint = endpoint;
        _token = string.IsNullOrEmpty(token) ? null : token;
    }

    public Uri Endpoint { get; }

    /// <summary>A client for a session created earlier (its <c>Location</c>), to end it with <see cref="DeleteAsync"/>.</summary>
    public static SessionClient ForSession(HttpClient http, Uri location, string? token) =>
        new(http, location, token) { Location = location };

    /// <summary>The session URL once created.</summary>
    public Uri? Location { get; private set; }

    public string? ETag { get; private set; }

    /// <summary>POSTs the offer; on 201 Created remembers the session URL (RFC 9725 §4.2).</summary>
    public async Task<SessionResult> CreateAsync(string offerSdp, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent(offerSdp, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(SdpMediaType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(SdpMediaType));
        Authorize(request);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return new SessionResult(null, SessionError.NoResponse($"POST {Endpoint} failed: {e.Message}"));
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return new SessionResult(null, SessionError.FromResponse(response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body));
            }

            if (response.Headers.Location is not { } location)
            {
                return _requireLocation
                    ? new SessionResult(null, new SessionError(201, "Created", "the server sent no Location header (RFC 9725 §4.2)", null, body))
                    : new SessionResult(new SessionAnswer(body, null, null, ReadIceServers(response)), null);
            }

            Location = ResolveLocation(Endpoint, location);
            ETag = response.Headers.ETag?.ToString();
            return new SessionResult(new SessionAnswer(body, Location, ETag, ReadIceServers(response)), null);
        }
    }

    /// <summary>Sends a trickle-ice-sdpfrag PATCH (RFC 9725 §4.3.1); null on success, else the error.</summary>
    public async Task<SessionError?> PatchAsync(string sdpFragment, CancellationToken cancellationToken)
    {
        if (Location is null)
        {
            throw new InvalidOperationException("No session to patch: call CreateAsync first.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Patch, Location) { Content = new StringContent(sdpFragment, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(TrickleIceMediaType);
        if (ETag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ETag);
        }

        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the session with DELETE on its URL (RFC 9725 §4.2); once only. Null on success, else the error.</summary>
    public async Task<SessionError?> DeleteAsync(CancellationToken cancellationToken)
    {
        if (Location is null || Interlocked.Exchange(ref _deleted, 1) != 0)
        {
            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, Location);
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an authorized request on the session: null on a 2xx, else what went wrong.</summary>
    private async Task<SessionError?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Authorize(request);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return SessionError.FromResponse(response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body);
        }
        catch (HttpRequestException e)
        {
            return SessionError.NoResponse($"{request.Method} {request.RequestUri} failed: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return SessionError.NoResponse($"{request.Method} {request.RequestUri} timed out");
        }
    }

    /// <summary>A relative Location is resolved against the URL the offer was posted to (RFC 9110 §10.2.2).</summary>
    public static Uri ResolveLocation(Uri requestUri, Uri location) => location.IsAbsoluteUri ? location : new Uri(requestUri, location);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await DeleteAsync(timeout.Token).ConfigureAwait(false);
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }
    }

    private static List<string> ReadIceServers(HttpResponseMessage response)
    {
        var servers = new List<string>();
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return servers;
        }

        foreach (var header in links)
        {
            // One header may hold several comma-separated links; a URL in <> holds no comma in practice.
            foreach (var link in header.Split(','))
            {
                var open = link.IndexOf('<');
                var close = link.IndexOf('>', open + 1);
                if (open >= 0 && close > open && link.Contains("rel=\"ice-server\"", StringComparison.OrdinalIgnoreCase))
                {
                    servers.Add(link[(open + 1)..close]);
                }
            }
        }

        return servers;
    }
}
