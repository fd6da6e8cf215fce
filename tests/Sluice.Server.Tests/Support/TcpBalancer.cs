using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// A small TCP load balancer on loopback, as a viewer's HTTP requests would meet one: each connection goes to the
/// first backend that accepts it, so once a node dies its requests go to the next.
/// </summary>
internal sealed class TcpBalancer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyList<IPEndPoint> _backends;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpBalancer(IReadOnlyList<Uri> backends)
    {
        _backends = [.. backends.Select(b => new IPEndPoint(IPAddress.Parse(b.Host), b.Port))];
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseUri { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            foreach (var backend in _backends)
            {
                using var upstream = new TcpClient();
                try
                {
                    await upstream.ConnectAsync(backend, _stop.Token);
                }
                catch (SocketException)
                {
                    continue;
                }

                try
                {
                    var down = client.GetStream();
                    var up = upstream.GetStream();
                    await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // One side closed.
                }

                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
