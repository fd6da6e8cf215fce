using Sluice.Rtc.Transport;

namespace Sluice.Testing;

public static class Await
{
    /// <summary>Waits for a task with a timeout that fails the test with a message, instead of hanging.</summary>
    public static async Task<T> WithTimeout<T>(Task<T> task, TimeSpan timeout, string what)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeout));
        if (finished != task)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
        }

        return await task;
    }

    public static Task WithTimeout(Task task, TimeSpan timeout, string what) =>
        WithTimeout(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), timeout, what);

    /// <summary>Completes when the transport reaches <paramref name="state"/>; faults if it fails or closes first.</summary>
    public static Task State(WebRtcTransport transport, TransportState state)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.StateChanged += (t, s) =>
        {
            if (s == state)
            {
                done.TrySetResult();
            }
            else if (s is TransportState.Failed or TransportState.Closed)
            {
                done.TrySetException(new InvalidOperationException($"transport went {s}: {t.FailureReason}"));
            }
        };
        if (transport.State == state)
        {
            done.TrySetResult();
        }

        return done.Task;
    }
}
