using Sluice.Rtc.Sctp;

namespace Sluice.Client.Room;

/// <summary>The client's side of a room session's <c>control</c> data channel (weever-streaming's protocol).</summary>
internal static class ControlChannel
{
    public const string Label = "control";

    /// <summary>Opens the channel on <paramref name="endpoint"/> once its association is up.</summary>
    public static DataChannel? Open(DataChannelEndpoint endpoint) => endpoint.Open(Label, string.Empty, new DataChannelOptions());

    /// <summary>
    /// Ends the session with <c>STOP</c> (a room session has no URL to DELETE) and waits a moment, so the message
    /// leaves before the transport closes.
    /// </summary>
    public static async Task StopAsync(DataChannel? control)
    {
        if (control is { State: DataChannelState.Open } open)
        {
            open.Send("STOP");
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
