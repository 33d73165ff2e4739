using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using NymBridge.Emulator;
using NymBridge.Protocol;
using Xunit.Abstractions;

namespace NymBridge.Tests.Shutdown;

/// <summary>SIGTERM to the real program in the middle of traffic, as a service manager stops it.</summary>
public partial class ShutdownProcessTests(ITestOutputHelper output)
{
    private const string Recipient = "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";
    private const int Callers = 200, AnsweredBeforeSigterm = 400;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SIGTERM_amid_sends_and_inbound_messages_exits_0_in_time_answers_every_send_truthfully_and_keeps_every_accepted_message()
    {
        using var temp = new TempDirectory();
        await using var emulator = new NymClientEmulator();
        await emulator.StartAsync().DefaultTimeout();
        string[] arguments =
        [
            $"--Nym:ClientUrl={emulator.Url}", "--Inbox:Store=Sqlite", $"--Inbox:Path={Path.Combine(temp.Path, "inbox.db")}",
            $"--Bridge:ShutdownTimeout={ShutdownTimeout}",
        ];

        Stopwatch sigterm;
        var sends = new ConcurrentBag<(string Payload, HttpStatusCode? Status)>();
        int injected;
        string firstOutput;
        using (var first = BridgeProcess.Start(temp.Path, arguments))
        {
            await first.WaitUntilReadyAsync(TestTimeout.ProcessStart);

            // Inbound: a steady stream until the bridge is gone; what comes after is held for the next one.
            using var stopInjecting = new CancellationTokenSource();
            var injecting = InjectUntilAsync(emulator, stopInjecting.Token);

            // Outbound: callers sending one message after another; SIGTERM once some have been answered, with
            // about Callers sends in flight. Each caller goes on until the bridge no longer takes connections.
            using var client = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TestTimeout.Default };
            var answered = 0;
            var terminate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var payload = $"send {caller}.{i}";
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/send", new { recipient = Recipient, message = payload });
                        sends.Add((payload, response.StatusCode));
                    }
                    catch (HttpRequestException)
                    {
                        sends.Add((payload, null)); // refused or cut: nothing to assert about it
                        return;
                    }

                    if (Interlocked.Increment(ref answered) == AnsweredBeforeSigterm)
                    {
                        terminate.TrySetResult();
                    }
                }
            })).ToList();

            await terminate.Task.DefaultTimeout();
            first.Terminate();
            sigterm = Stopwatch.StartNew();
            var exitCode = await first.WaitForExitAsync(ShutdownTimeout + TimeSpan.FromSeconds(5));
            sigterm.Stop();
            await Task.WhenAll(callers).DefaultTimeout();
            await stopInjecting.CancelAsync();
            injected = await injecting.DefaultTimeout();
            firstOutput = first.Output;

            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{firstOutput}");
            Assert.True(sigterm.Elapsed < ShutdownTimeout, $"exited {sigterm.Elapsed} after SIGTERM:\n{firstOutput}");
        }

        // Every 2xx was written to nym-client, no 503 was, and nothing twice.
        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
        var written = emulator.ReceivedFrames
            .Select(f => RequestCodec.TryDecode(f.Data, out var request, out _) ? request : null)
            .OfType<SendRequest>().Select(r => Encoding.UTF8.GetString(r.Message.Span)).ToList();
        var writtenSet = written.ToHashSet(StringComparer.Ordinal);
        var accepted = sends.Where(s => s.Status == HttpStatusCode.Accepted).Select(s => s.Payload).ToList();
        var refused = sends.Where(s => s.Status == HttpStatusCode.ServiceUnavailable).Select(s => s.Payload).ToList();
        Assert.Equal(written.Count, writtenSet.Count);
        Assert.All(sends.Where(s => s.Status is { } status), s => Assert.True(s.Status is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"{s.Status}"));
        Assert.True(accepted.Count >= AnsweredBeforeSigterm, $"{accepted.Count} accepted");
        Assert.All(accepted, payload => Assert.Contains(payload, writtenSet));
        Assert.All(refused, payload => Assert.DoesNotContain(payload, writtenSet));

        // Every inbound message the first run accepted was stored: its stop line counts them, and they are seqs 1..accepted.
        var held = emulator.HeldMessages;
        var stopped = InboxStopped().Match(firstOutput);
        Assert.True(stopped.Success, $"no inbox stop line:\n{firstOutput}");
        var acceptedInbound = int.Parse(stopped.Groups["accepted"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(acceptedInbound, int.Parse(stopped.Groups["last"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(acceptedInbound <= injected - held, $"accepted {acceptedInbound} of {injected - held} written");

        // After a restart on the same file: the first run's events with their seqs, then the messages nym-client
        // held meanwhile; in order, each once, consecutive seqs.
        using var second = BridgeProcess.Start(temp.Path, arguments);
        await second.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        var events = await ReadAllAsync(second.Client, acceptedInbound + held);
        var order = events.Select(e => int.Parse(e.Message!.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(Enumerable.Range(1, acceptedInbound + held).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(0, acceptedInbound).Select(i => $"in {i}"), events.Take(acceptedInbound).Select(e => e.Message));
        Assert.Equal(Enumerable.Range(injected - held, held).Select(i => $"in {i}"), events.Skip(acceptedInbound).Select(e => e.Message));
        Assert.Equal(order.Order(), order);

        // nym-client's protocol has no acknowledgement: what it wrote in the very moment the socket went is
        // the one thing a stop can lose, and with the graceful close it is normally nothing.
        var inTransit = injected - held - acceptedInbound;
        output.WriteLine(
            $"exit 0 {sigterm.ElapsedMilliseconds} ms after SIGTERM; sends: {accepted.Count} accepted, {refused.Count} refused (503), " +
            $"{sends.Count(s => s.Status is null)} cut off; inbound: {injected} injected, {acceptedInbound} accepted by the first run, " +
            $"{held} held for the restart, {inTransit} lost in transit at the disconnect");
    }

    private static Task<int> InjectUntilAsync(NymClientEmulator emulator, CancellationToken stop) => Task.Run(async () =>
    {
        var count = 0;
        while (!stop.IsCancellationRequested)
        {
            await emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"in {count}")).DefaultTimeout();
            count++;
            if (count % 10 == 0)
            {
                await Task.Delay(1, CancellationToken.None); // a steady stream, not a flood
            }
        }

        return count;
    });

    private static async Task<List<(long Seq, string? Message)>> ReadAllAsync(HttpClient client, int count)
    {
        var events = new List<(long Seq, string? Message)>();
        var clock = Stopwatch.StartNew();
        while (events.Count < count && clock.Elapsed < TestTimeout.Default)
        {
            var after = events.Count > 0 ? events[^1].Seq : 0;
            var page = await client.GetFromJsonAsync<JsonElement>($"/messages?after={after}&max=1000&wait=5").DefaultTimeout();
            Assert.False(page.GetProperty("reset").GetBoolean());
            Assert.False(page.GetProperty("truncated").GetBoolean());
            events.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("seq").GetInt64(), m.GetProperty("message").GetString())));
        }

        return events;
    }

    [GeneratedRegex(@"Inbox stopped; every accepted event is stored \((?<accepted>\d+) accepted since start, last seq (?<last>\d+)\)")]
    private static partial Regex InboxStopped();
}
