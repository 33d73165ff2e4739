using System.Diagnostics;
using System.Net.WebSockets;

namespace NymBridge.Bench.Tools.Load;

/// <summary>
/// The websocket ceiling for inbound: a bare <see cref="ClientWebSocket"/> that asks the emulator for a
/// flood and reads it into one buffer, doing nothing with the frames. What the bridge ingests is
/// quoted as a fraction of this.
/// </summary>
internal static class RawReader
{
    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var ws = new Uri(args.Require("ws"));
        var control = new Uri(args.Require("control"));
        var count = args.Int("count", 100_000);
        var size = args.Int("size", 1024);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(ws, stop);
        using var http = new HttpClient { BaseAddress = control, Timeout = TimeSpan.FromMinutes(2) };
        for (var i = 0; i < 100 && !(await http.GetAsync(new Uri("/connected", UriKind.Relative), stop)).IsSuccessStatusCode; i++)
        {
            await Task.Delay(20, stop);
        }

        var buffer = new byte[64 * 1024];
        var start = Stopwatch.GetTimestamp();
        var flood = http.PostAsync(new Uri($"/flood?count={count}&size={size}", UriKind.Relative), null, stop);
        var received = 0;
        long bytes = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (received < count)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), deadline.Token);
            bytes += result.Count;
            if (result.EndOfMessage)
            {
                received++;
            }
        }

        var end = Stopwatch.GetTimestamp();
        (await flood).EnsureSuccessStatusCode();
        var seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        Measure.PrintResult(new { count = received, seconds, eventsPerSecond = received / seconds, megabytesPerSecond = bytes / seconds / 1e6 });
        socket.Abort();
        return 0;
    }
}
