namespace Sluice.Rtc.Tests.Support;

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
}
