using System.Runtime.CompilerServices;

namespace NymBridge.Tests.Common;

/// <summary>
/// SignalR's test idiom: <c>await task.DefaultTimeout()</c>, so every await in a test has a timeout and a hang
/// fails with the file and line that waited instead of stalling the run.
/// </summary>
public static class TaskTimeoutExtensions
{
    public static async Task DefaultTimeout(this Task task, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? TestTimeout.Default;
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Timeout(limit, file, line);
        }
    }

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? TestTimeout.Default;
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw Timeout(limit, file, line);
        }
    }

    public static Task DefaultTimeout(this ValueTask task, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0) =>
        task.IsCompletedSuccessfully ? Task.CompletedTask : task.AsTask().DefaultTimeout(timeout, file, line);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null,
        [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0) =>
        task.IsCompletedSuccessfully ? Task.FromResult(task.Result) : task.AsTask().DefaultTimeout(timeout, file, line);

    private static TimeoutException Timeout(TimeSpan limit, string? file, int line) =>
        new($"Gave up after {limit.TotalSeconds:0.#} s waiting at {Path.GetFileName(file)}:{line}.");
}
