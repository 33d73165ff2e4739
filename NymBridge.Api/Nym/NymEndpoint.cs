using Microsoft.Extensions.Options;
using NymBridge.Emulator;

namespace NymBridge.Api.Nym;

/// <summary>
/// <c>Nym:ClientUrl</c>, or with <c>--emulator</c> (<c>Nym:Emulator=true</c>) the built-in nym-client
/// emulator, which this service runs on a free loopback port so the bridge works without a Nym install.
/// </summary>
/// <remarks>
/// The emulator starts in the host's starting phase and stops in its stopped phase: it listens before any
/// service starts and until every service (the connection's graceful close included) has stopped, however
/// the services were registered.
/// </remarks>
internal sealed class NymEndpoint(IOptions<NymOptions> options) : INymEndpoint, IHostedLifecycleService, IAsyncDisposable
{
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NymClientEmulator? _emulator;

    public ValueTask<Uri> GetClientUrlAsync(CancellationToken cancellationToken) =>
        !options.Value.Emulator ? ValueTask.FromResult(options.Value.ClientUrl)
        : _url.Task.IsCompletedSuccessfully ? ValueTask.FromResult(_url.Task.Result)
        : new ValueTask<Uri>(_url.Task.WaitAsync(cancellationToken));

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Emulator)
        {
            return;
        }

        var emulator = new NymClientEmulator(new EmulatorOptions { RecordFrames = false });
        try
        {
            await emulator.StartAsync(cancellationToken);
        }
        catch (Exception e)
        {
            await emulator.DisposeAsync();
            _url.TrySetException(e);
            throw;
        }

        _emulator = emulator;
        _url.TrySetResult(emulator.Url);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StoppedAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <remarks>Also when the host is disposed without having stopped (a start that failed later on).</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _emulator, null) is { } emulator)
        {
            await emulator.DisposeAsync();
        }
    }
}
