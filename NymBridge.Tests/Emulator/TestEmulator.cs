using NymBridge.Emulator;

namespace NymBridge.Tests.Emulator;

/// <summary>Starts emulators on free loopback ports.</summary>
public static class TestEmulator
{
    public static async Task<NymClientEmulator> StartAsync(EmulatorOptions? options = null)
    {
        var emulator = new NymClientEmulator(options);
        await emulator.StartAsync().DefaultTimeout();
        return emulator;
    }
}
