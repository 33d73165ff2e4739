using NymBridge.Emulator;

namespace NymBridge.Api.Nym;

/// <summary>
/// <c>--emulator</c> / <c>Nym:Emulator=true</c>: the built-in nym-client emulator runs in this process
/// on a free loopback port and the bridge connects to it, so the bridge works without a Nym install.
/// </summary>
public static class EmulatorHosting
{
    public static WebApplicationBuilder AddNymEmulatorIfEnabled(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>($"{NymOptions.Section}:{nameof(NymOptions.Emulator)}"))
        {
            return builder;
        }

        // Started here, before the host is built, because its free port must be known when the
        // connection's options are bound.
        var emulator = new NymClientEmulator(new EmulatorOptions { RecordFrames = false });
        emulator.StartAsync().GetAwaiter().GetResult();
        builder.Configuration[$"{NymOptions.Section}:{nameof(NymOptions.ClientUrl)}"] = emulator.Url.ToString();
        builder.Services.AddSingleton(emulator);
        builder.Services.AddHostedService(_ => new EmulatorLifetime(emulator));
        return builder;
    }

    /// <summary>Registered before the connection, so the host stops it after the connection.</summary>
    private sealed class EmulatorLifetime(NymClientEmulator emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync();
    }
}
