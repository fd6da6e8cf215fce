namespace Sluice.Server.Tests.Support;

internal static class Poll
{
    /// <summary>Waits for a condition that an event cannot signal (state in another component), failing with a message after a timeout.</summary>
    public static Task Until(Func<bool> condition, string what, int timeoutSeconds = 10) => Until(condition, () => what, timeoutSeconds);

    /// <summary>The same, describing what was awaited (and the state it was in) when the time is up.</summary>
    public static async Task Until(Func<bool> condition, Func<string> what, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeoutSeconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeoutSeconds} s waiting for {what()}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The same for a condition that needs a request to check, tried every 200 ms.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeoutSeconds} s waiting for {what}.");
            }

            await Task.Delay(200);
        }
    }
}
