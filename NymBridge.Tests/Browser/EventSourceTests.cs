using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NymBridge.Protocol;

namespace NymBridge.Tests.Browser;

/// <summary>
/// <c>GET /messages/stream</c> read by Chromium's own <c>EventSource</c>, the client the SSE contract is for:
/// every event reaches <c>onmessage</c>, nym's error events never look like a lost connection, and both ways
/// of resuming (a new EventSource with <c>?after=</c>, and the browser's own reconnect with Last-Event-ID) lose
/// nothing and repeat nothing.
/// </summary>
public sealed class EventSourceTests(PlaywrightDriver driver) : IClassFixture<PlaywrightDriver>
{

    /// <summary>What an app would write: one EventSource, onmessage for the events, onerror for the connection.</summary>
    private const string Script = """
        () => {
          window.log = [];
          window.openStream = url => {
            const es = new EventSource(url);
            window.es = es;
            es.onmessage = e => log.push({ kind: 'message', id: e.lastEventId, data: JSON.parse(e.data) });
            es.onerror = () => log.push({ kind: 'error', readyState: es.readyState });
            es.addEventListener('ready', e => log.push({ kind: 'ready', data: JSON.parse(e.data) }));
          };
        }
        """;

    [SkippableFact]
    public async Task EventSource_gets_every_event_in_onmessage_and_resumes_with_no_duplicate_and_no_gap()
    {
        Chromium.SkipUnlessAvailable();
        var streams = new StreamCutter();
        await using var bridge = await PageHost.StartAsync(TestTimeout.Default, configure: b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(streams)));
        await using var chromium = await Chromium.LaunchAsync(driver, TestTimeout.Default);
        var page = chromium.Page;
        await page.GotoAsync(new Uri(bridge.BaseAddress, "/health/live").ToString());
        await page.EvaluateAsync(Script);

        // Received and error events alike arrive in onmessage, and the nym error fires no onerror.
        await page.EvaluateAsync("url => openStream(url)", "/messages/stream?after=0");
        await WaitForAsync(page, "log.filter(e => e.kind === 'ready').length === 1");
        await bridge.Emulator.InjectReceivedAsync("one"u8.ToArray()).DefaultTimeout();
        await bridge.Emulator.InjectErrorAsync(ErrorKind.MalformedRequest, "nym-client could not parse a frame").DefaultTimeout();
        await bridge.Emulator.InjectReceivedAsync("two"u8.ToArray()).DefaultTimeout();
        await WaitForMessagesAsync(page, 3);

        var first = await LogAsync(page);
        Assert.Equal(["received", "error", "received"], Messages(first).Select(m => m.GetProperty("data").GetProperty("type").GetString()));
        Assert.Equal("nym-client could not parse a frame", Messages(first)[1].GetProperty("data").GetProperty("message").GetString());
        Assert.DoesNotContain(first, e => e.GetProperty("kind").GetString() == "error");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => es.readyState"));

        // The app closes its stream and opens a new one after the last id it saw: what came meanwhile, once.
        await page.EvaluateAsync("() => es.close()");
        await bridge.Emulator.InjectReceivedAsync("three"u8.ToArray()).DefaultTimeout();
        await bridge.Emulator.InjectReceivedAsync("four"u8.ToArray()).DefaultTimeout();
        await WaitForStoredAsync(bridge, 5);
        var lastId = Messages(first)[^1].GetProperty("id").GetString();
        await page.EvaluateAsync("url => openStream(url)", $"/messages/stream?after={lastId}");
        await WaitForMessagesAsync(page, 5);

        // The server ends the response: the browser reconnects by itself, after the retry hint, from Last-Event-ID.
        Assert.True(streams.Cut() > 0, "no open event stream to end");
        await WaitForAsync(page, "log.some(e => e.kind === 'error')");
        await bridge.Emulator.InjectReceivedAsync("five"u8.ToArray()).DefaultTimeout();
        await WaitForMessagesAsync(page, 6);
        await bridge.Emulator.InjectReceivedAsync("six"u8.ToArray()).DefaultTimeout();
        await WaitForMessagesAsync(page, 7);

        var all = await LogAsync(page);
        var messages = Messages(all);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => i.ToString(CultureInfo.InvariantCulture)), messages.Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(
            ["one", "nym-client could not parse a frame", "two", "three", "four", "five", "six"],
            messages.Select(m => m.GetProperty("data").GetProperty("message").GetString()));
        Assert.All(messages, m => Assert.Equal(m.GetProperty("id").GetString(), m.GetProperty("data").GetProperty("seq").GetInt64().ToString(CultureInfo.InvariantCulture)));

        // One onerror in all: the lost connection, with the browser reconnecting (CONNECTING), not giving up.
        var errors = all.Where(e => e.GetProperty("kind").GetString() == "error").ToList();
        Assert.Single(errors);
        Assert.Equal(0, errors[0].GetProperty("readyState").GetInt32());
        Assert.Equal(3, all.Count(e => e.GetProperty("kind").GetString() == "ready"));

        // The reconnect asked with the browser's Last-Event-ID, which wins over the URL's older ?after=.
        var requests = streams.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.Equal(("?after=0", null), requests[0]);
        Assert.Equal(($"?after={lastId}", null), requests[1]);
        Assert.Equal(($"?after={lastId}", "5"), requests[2]);
    }

    private static List<JsonElement> Messages(IEnumerable<JsonElement> log) => [.. log.Where(e => e.GetProperty("kind").GetString() == "message")];

    private static async Task<List<JsonElement>> LogAsync(IPage page) =>
        [.. (await page.EvaluateAsync<JsonElement>("() => log")).EnumerateArray()];

    private static Task WaitForMessagesAsync(IPage page, int count) =>
        WaitForAsync(page, $"log.filter(e => e.kind === 'message').length >= {count}");

    private static async Task WaitForAsync(IPage page, string condition)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => {condition}", null, new() { Timeout = (float)TestTimeout.Default.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"waited {TestTimeout.Default} for `{condition}`; the page's log: {await page.EvaluateAsync<JsonElement>("() => log")}");
        }
    }

    /// <summary>Waits until the inbox holds an event with this seq, so the next stream has it to replay.</summary>
    private static async Task WaitForStoredAsync(PageHost bridge, long seq)
    {
        var page = await bridge.Client.GetFromJsonAsync<JsonElement>($"/messages?after={seq - 1}&wait=10").DefaultTimeout();
        Assert.Equal(seq, page.GetProperty("messages")[0].GetProperty("seq").GetInt64());
    }

    /// <summary>
    /// Test-only: sees the event-stream requests (their query and Last-Event-ID) and can end the open ones from
    /// the server side, as a restart or a proxy's timeout would.
    /// </summary>
    private sealed class StreamCutter : IStartupFilter
    {
        private readonly ConcurrentDictionary<HttpContext, byte> _open = new();

        public ConcurrentQueue<(string Query, string? LastEventId)> Requests { get; } = new();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                if (!context.Request.Path.StartsWithSegments("/messages/stream", StringComparison.Ordinal))
                {
                    await following(context);
                    return;
                }

                Requests.Enqueue((context.Request.QueryString.Value ?? "", context.Request.Headers["Last-Event-ID"].FirstOrDefault()));
                _open[context] = 0;
                try
                {
                    await following(context);
                }
                finally
                {
                    _open.TryRemove(context, out _);
                }
            });
            next(app);
        };

        /// <summary>Aborts every open stream's connection; returns how many.</summary>
        public int Cut()
        {
            var open = _open.Keys.ToList();
            foreach (var context in open)
            {
                context.Abort();
            }

            return open.Count;
        }
    }
}
