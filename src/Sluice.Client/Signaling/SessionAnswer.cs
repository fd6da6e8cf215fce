namespace Sluice.Client.Signaling;

/// <summary>A 201 Created answer to a WHIP/WHEP offer (RFC 9725 §4.2, §4.3).</summary>
/// <param name="Sdp">The SDP answer (the response body).</param>
/// <param name="Location">The session URL, resolved against the request URL.</param>
/// <param name="ETag">The entity tag of the ICE session, for PATCH If-Match (RFC 9725 §4.3.1).</param>
/// <param name="IceServers">The <c>Link: &lt;...&gt;; rel="ice-server"</c> URLs (RFC 9725 §4.6).</param>
internal sealed record SessionAnswer(string Sdp, Uri? Location, string? ETag, IReadOnlyList<string> IceServers);
