using System.Runtime.InteropServices;

namespace NymBridge.Emulator;

// Not top-level statements: a global Program would collide with the bridge's own in the tests.
internal static class Program
{
    private static async Task Main(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddCommandLine(args)
            .Build();
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddSimpleConsole(console => console.SingleLine = true));

        await using var emulator = new NymClientEmulator(new EmulatorOptions { Port = configuration.GetValue("port", 1977) }, loggerFactory);
        await emulator.StartAsync();
        Console.WriteLine($"nym-client emulator on {emulator.Url}");
        Console.WriteLine($"address: {emulator.Address}");

        var stop = new TaskCompletionSource();
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.TrySetResult();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        await stop.Task;
        await emulator.StopAsync();
    }
}
