using Microsoft.AspNetCore.SignalR.Client;

namespace NymBridge.Bench.Tools.Load;

/// <summary>Opens <c>--count</c> SignalR connections that do nothing and reports how much the bridge's RSS grew per connection.</summary>
internal static class IdleConnections
{
    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var bridge = new Uri(args.Require("bridge"));
        var pid = args.Int("pid", 0);
        var count = args.Int("count", 5000);
        var settle = TimeSpan.FromSeconds(args.Double("settle-seconds", 5));

        var before = Measure.Memory(pid);
        var connections = new List<HubConnection>(count);
        for (var i = 0; i < count; i++)
        {
            connections.Add(Subscribers.Create(bridge));
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Subscribers.StartAllAsync(connections, 100, stop);
        var connectSeconds = started.Elapsed.TotalSeconds;
        await Task.Delay(settle, stop);
        var after = Measure.Memory(pid);
        var open = connections.Count(c => c.State == HubConnectionState.Connected);
        await Subscribers.StopAllAsync(connections);
        Measure.PrintResult(new
        {
            count = open,
            connectSeconds,
            rssBefore = before.Rss,
            rssAfter = after.Rss,
            peak = after.Peak,
            bytesPerConnection = (double)(after.Rss - before.Rss) / Math.Max(1, open),
        });
        return 0;
    }
}
