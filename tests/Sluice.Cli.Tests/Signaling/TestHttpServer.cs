using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests.Signaling;

/// <summary>A tiny scripted HTTP server on 127.0.0.1 (HttpListener) that records every request it gets.</summary>
internal sealed class TestHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<RecordedRequest, TestResponse> _handler;
    private readonly Task _loop;

    public TestHttpServer(Func<RecordedRequest, TestResponse> handler)
    {
        _handler = handler;
        Port = Sluice.Testing.FreePorts.Tcp();
        BaseUri = new Uri($"http://127.0.0.1:{Port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri BaseUri { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = new RecordedRequest(
                context.Request.HttpMethod,
                context.Request.Url!.AbsolutePath,
                context.Request.ContentType,
                context.Request.Headers["Authorization"],
                await reader.ReadToEndAsync());
            Requests.Enqueue(request);
            var response = _handler(request);
            context.Response.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers)
            {
                context.Response.AddHeader(name, value);
            }

            if (response.ContentType is not null)
            {
                context.Response.ContentType = response.ContentType;
            }

            var body = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }


    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

internal sealed record RecordedRequest(string Method, string Path, string? ContentType, string? Authorization, string Body);

internal sealed record TestResponse(int Status, string Body = "", string? ContentType = null)
{
    public List<(string Name, string Value)> Headers { get; init; } = [];
}
