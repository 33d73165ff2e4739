using System.Runtime.InteropServices;
using NymBridge.Bench.Tools;
using NymBridge.Bench.Tools.Baseline;
using NymBridge.Bench.Tools.Emulation;
using NymBridge.Bench.Tools.Load;
using NymBridge.Bench.Tools.Suite;

if (args.Length == 0)
{
    Console.Error.WriteLine("""
        usage: NymBridge.Bench.Tools <command> [--option value ...]
          suite             run the benchmark sections and write BENCHMARKS.md (what bench/run.sh calls)
          baseline          minimal API: POST /send parses the same JSON as the bridge, answers 202, no websocket
          emulator          NymClientEmulator (discard mode) plus a control endpoint that pushes Received frames
          raw-reader        a bare websocket client that reads an emulator flood: the inbound ceiling
          signalr-load      SignalR subscribers: fan-out latency and the highest rate all keep up with
          idle-connections  holds N idle SignalR connections and reports the bridge's RSS per connection
          longpoll          holds N GET /messages long-polls, injects one event, times every answer
          webhook-receiver  minimal Kestrel webhook receiver: counts deliveries (/count) or echoes the stamp as a reply (/echo)
          webhook-client    bare HttpClient loop posting the bridge's first delivery to the receiver: the webhook yardstick
        """);
    return 2;
}

var options = new Args(args.Skip(1));
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext signal)
{
    // The suite stops its children with SIGTERM: end the command's own loop instead of the runtime's default.
    signal.Cancel = true;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

return args[0] switch
{
    "suite" => await SuiteRunner.RunAsync(options, stop.Token),
    "baseline" => await BaselineServer.RunAsync(options, stop.Token),
    "emulator" => await BenchEmulator.RunAsync(options, stop.Token),
    "raw-reader" => await RawReader.RunAsync(options, stop.Token),
    "signalr-load" => await SignalRLoad.RunAsync(options, stop.Token),
    "idle-connections" => await IdleConnections.RunAsync(options, stop.Token),
    "longpoll" => await LongPollLoad.RunAsync(options, stop.Token),
    "webhook-receiver" => await WebhookReceiver.RunAsync(options, stop.Token),
    "webhook-client" => await WebhookClientLoop.RunAsync(options, stop.Token),
    _ => Unknown(args[0]),
};

static int Unknown(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'.");
    return 2;
}
