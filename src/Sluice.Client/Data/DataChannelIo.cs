using System.Text;
using System.Text.Json;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Data;

/// <summary>
/// The CLI's data channel ends: <c>--data-out FILE</c> writes every received message as one JSON line
/// (<c>{"time":"…","label":"…","text":"…"}</c>, or <c>"binary"</c> in base64), and <c>--data-in FILE</c> (<c>-</c> for stdin)
/// sends each line as a text message on the channel <c>--label</c>, so a shell pipe can talk to a stream.
/// </summary>
internal sealed class DataChannelIo : IDisposable
{
    private readonly DataChannelEndpoint _endpoint;
    private readonly string _label;
    private readonly TextWriter? _out;
    private readonly Lock _outLock = new();
    private readonly TaskCompletionSource _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;

    public DataChannelIo(DataChannelEndpoint endpoint, string label, string? outPath)
    {
        _endpoint = endpoint;
        _label = label;
        if (outPath is not null)
        {
            _out = outPath == "-" ? Console.Out : new StreamWriter(outPath, append: false, new UTF8Encoding(false)) { AutoFlush = true };
        }

        endpoint.Established = () => _established.TrySetResult();
        endpoint.Closed = () => _established.TrySetException(new InvalidOperationException("the SCTP association closed"));
        endpoint.MessageReceived = OnMessage;
    }

    public long MessagesReceived => Interlocked.Read(ref _received);

    public long MessagesSent { get; private set; }

    /// <summary>The answer's accepted data section: the server's SCTP port and largest message; null when it refused data channels.</summary>
    public static (int Port, int MaxMessageSize)? Negotiated(SessionDescription answer)
    {
        foreach (var media in answer.Media)
        {
            if (media.Kind == "application" && media.Port != 0)
            {
                return (media.RemoteSctpPort, media.MessageSizeLimit);
            }
        }

        return null;
    }

    /// <summary>Waits for the association, opens <c>--label</c>, sends each line of <paramref name="path"/>, and waits until all are acknowledged.</summary>
    public async Task SendLinesAsync(string path, CancellationToken cancellationToken)
    {
        await _established.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var channel = _endpoint.Find(_label) ?? _endpoint.Open(_label, string.Empty, new DataChannelOptions())
            ?? throw new InvalidOperationException($"could not open data channel '{_label}'");
        using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : new StreamReader(path, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            // Flow control: stay well under the channel's buffer limit rather than have lines dropped.
            while (channel.BufferedAmount > _endpoint.BufferLimit / 2)
            {
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }

            if (channel.Send(line) != DataSendResult.Sent)
            {
                throw new InvalidOperationException($"data channel '{_label}' refused a line ({channel.State})");
            }

            MessagesSent++;
        }

        while (channel.BufferedAmount > 0 && channel.State == DataChannelState.Open)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnMessage(DataChannel channel, DataMessage message)
    {
        Interlocked.Increment(ref _received);
        if (_out is null)
        {
            return;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("label", channel.Label);
            if (message.IsBinary)
            {
                json.WriteBase64String("binary", message.Data);
            }
            else
            {
                json.WriteString("text", Encoding.UTF8.GetString(message.Data));
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        lock (_outLock)
        {
            _out.WriteLine(line);
        }
    }

    public void Dispose()
    {
        if (_out is not null && _out != Console.Out)
        {
            _out.Dispose();
        }
    }
}
