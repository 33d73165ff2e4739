using NymBridge.Emulator;

namespace NymBridge.Tests.Emulator;

/// <summary>Starts emulators on free loopback ports, with the timeouts the tests use.</summary>
public static class TestEmulator
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>For tests that move tens of MiB through loopback on a busy machine.</summary>
    public static readonly TimeSpan LargeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<NymClientEmulator> StartAsync(EmulatorOptions? options = null)
    {
        var emulator = new NymClientEmulator(options);
        await emulator.StartAsync().WaitAsync(Timeout);
        return emulator;
    }
}
