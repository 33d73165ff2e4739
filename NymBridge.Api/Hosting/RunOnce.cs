namespace NymBridge.Api.Hosting;

/// <summary>
/// Runs an operation once and makes every later caller wait for that one run, for stops that must be
/// idempotent. The host can stop twice at the same time (WebApplicationFactory's dispose stops it while the
/// app's own run loop stops it on ApplicationStopping): a second stop that returned at once let its caller
/// close a store the first one was still committing to, and a graceful stop lost the last webhook outcomes.
/// </summary>
public sealed class RunOnce
{
    private readonly Lock _lock = new();
    private Task? _run;

    /// <summary>Starts <paramref name="operation"/> on the first call; every call returns the task of that run.</summary>
    public Task RunAsync(Func<Task> operation)
    {
        lock (_lock)
        {
            return _run ??= Task.Run(operation);
        }
    }
}
