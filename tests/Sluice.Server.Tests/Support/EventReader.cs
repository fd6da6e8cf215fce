using System.Text.Json;

namespace Sluice.Server.Tests.Support;

/// <summary>A WHATWG Server-Sent Events parser for the fields the node sends: event, data, retry, comments.</summary>
internal sealed class EventReader(Stream stream, string eventName = "streams") : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    public async Task<(string Name, JsonElement Data)> NextAsync(int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        string name = "message";
        var data = new List<string>();
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no event within {timeoutSeconds} s");
            }

            Assert.NotNull(line);
            if (line.Length == 0)
            {
                // A blank line dispatches the event; one without data (the retry line) is no event.
                if (data.Count > 0)
                {
                    return (name, JsonDocument.Parse(string.Join('\n', data)).RootElement.Clone());
                }

                name = "message";
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event":
                    name = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }
    }

    /// <summary>Reads events until one named <c>eventName</c> has data that satisfies <paramref name="done"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> done, string what, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeoutSeconds);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var (name, data) = await NextAsync(timeoutSeconds);
            Assert.Equal(eventName, name);
            last = data;
            if (done(data))
            {
                return data;
            }
        }

        throw new TimeoutException($"no event showing {what} within {timeoutSeconds} s; last: {last}");
    }

    public void Dispose() => _reader.Dispose();
}
