using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NymBridge.Tests.Common;

/// <summary>
/// Waits for a condition instead of sleeping a guess. Where the code under test signals a change (a task that
/// completes when something changed, like <c>INymConnection.NextStatusChange</c>), the condition is checked again
/// on each signal and on nothing else. Where it offers no signal, a cheap condition is polled with a backoff
/// from 1 ms to 50 ms. Either way the wait gives up after <see cref="TestTimeout.Default"/> with the reason given.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Checks <paramref name="condition"/> now and after each <paramref name="nextChange"/>.</summary>
    /// <param name="nextChange">A task that completes at the next change; taken before each check, so no change is missed.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, Func<Task> nextChange, string because, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? TestTimeout.Default;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var next = nextChange();
            if (condition())
            {
                return;
            }

            var remaining = limit - clock.Elapsed;
            try
            {
                await next.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
                throw GaveUp(limit, because, file, line);
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/>, for state the code offers no signal for.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0) =>
        WaitUntilAsync(() => Task.FromResult(condition()), because, timeout, file, line);

    /// <summary>Polls an asynchronous <paramref name="condition"/>, such as an HTTP request, each under the default timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0) =>
        await ProbeUntilAsync(condition, static done => done, because, timeout, file, line);

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> holds for what it returns, and returns that.</summary>
    public static async Task<T> ProbeUntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string because, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? TestTimeout.Default;
        var clock = Stopwatch.StartNew();
        var pause = FirstPoll;
        while (true)
        {
            var value = await probe().DefaultTimeout(file: file, line: line);
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed >= limit)
            {
                throw GaveUp(limit, because, file, line);
            }

            // The one sleep of the kit: nothing signals this state, so look again soon, and less often as it takes longer.
            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPoll.Ticks));
        }
    }

    private static TimeoutException GaveUp(TimeSpan limit, string because, string? file, int line) =>
        new($"Gave up after {limit.TotalSeconds:0.#} s waiting until {because} at {Path.GetFileName(file)}:{line}.");
}
