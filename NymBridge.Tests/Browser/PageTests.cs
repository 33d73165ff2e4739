using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using NymBridge.Api.Status;
using NymBridge.Protocol;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace NymBridge.Tests.Browser;

/// <summary>The page at / in headless Chromium, against the real app on Kestrel connected to the nym-client emulator.</summary>
public sealed class PageTests : IClassFixture<PlaywrightDriver>
{
    private readonly PlaywrightDriver _driver;
    private readonly ITestOutputHelper _output;

    public PageTests(PlaywrightDriver driver, ITestOutputHelper output)
    {
        _driver = driver;
        _output = output;
        SetDefaultExpectTimeout((float)TestTimeout.Default.TotalMilliseconds);
    }

    [SkippableFact]
    public async Task Shows_the_address_and_sends_receives_and_replies_through_the_form()
    {
        Chromium.SkipUnlessAvailable();
        await using var bridge = await PageHost.StartAsync(TestTimeout.Default);
        await using var chromium = await Chromium.LaunchAsync(_driver, TestTimeout.Default);
        var page = chromium.Page;
        var problems = CollectProblems(page);

        await page.GotoAsync(bridge.BaseAddress.ToString());

        var self = await bridge.Client.GetFromJsonAsync<SelfAddress>("/self-address").DefaultTimeout();
        Assert.NotNull(self);
        await Expect(page.GetByTestId("self-address")).ToHaveTextAsync(self.Address);
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected");

        // A plain send to the bridge's own address: the emulator loops it back, without a sender tag.
        await page.GetByTestId("to-self").ClickAsync();
        await Expect(page.GetByTestId("recipient")).ToHaveValueAsync(self.Address);
        await page.GetByTestId("message").FillAsync("hello from the page");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByTestId("send-result")).ToHaveTextAsync("Sent 19 bytes.");
        var plain = Event(page, "hello from the page");
        await Expect(plain).ToHaveCountAsync(1);
        await Expect(plain).ToHaveAttributeAsync("data-type", "received");
        await Expect(plain.GetByTestId("reply-button")).ToHaveCountAsync(0);

        // Anonymous with reply SURBs: it arrives with a sender tag.
        await page.GetByTestId("mode-anonymous").CheckAsync();
        await page.GetByTestId("recipient").FillAsync(self.Address);
        await page.GetByTestId("reply-surbs").FillAsync("5");
        await page.GetByTestId("message").FillAsync("anonymous hello");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByTestId("send-result")).ToHaveTextAsync("Sent 15 bytes with 5 reply SURBs.");
        var anonymous = Event(page, "anonymous hello");
        await Expect(anonymous).ToHaveCountAsync(1);
        var senderTag = await anonymous.GetByTestId("event-sender-tag").TextContentAsync();
        Assert.Matches("^[1-9A-HJ-NP-Za-km-z]{16,23}$", senderTag);

        // One click on "Reply" fills the form; the reply comes back too.
        await anonymous.GetByTestId("reply-button").ClickAsync();
        await Expect(page.GetByTestId("mode-reply")).ToBeCheckedAsync();
        await Expect(page.GetByTestId("sender-tag-input")).ToHaveValueAsync(senderTag!);
        await Expect(page.GetByTestId("recipient")).ToBeHiddenAsync();
        await page.GetByTestId("message").FillAsync("a reply through the tag");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByTestId("send-result")).ToHaveTextAsync("Sent 23 bytes as a reply.");
        await Expect(Event(page, "a reply through the tag")).ToHaveCountAsync(1);

        // Bytes that are not UTF-8 are shown as a size and a download link to the raw payload.
        byte[] binary = [0x00, 0x01, 0xC3, 0xFF];
        using (var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self.Address, messageBase64 = Convert.ToBase64String(binary) }).DefaultTimeout())
        {
            sent.EnsureSuccessStatusCode();
        }

        var download = page.GetByTestId("event-download");
        await Expect(download).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("event").Filter(new() { Has = download })).ToContainTextAsync("Binary, 4 bytes");
        var href = await download.GetAttributeAsync("href");
        Assert.Equal(binary, await bridge.Client.GetByteArrayAsync(new Uri(bridge.BaseAddress, href)).DefaultTimeout());

        // nym-client's errors are events too, shown apart.
        await bridge.Emulator.InjectErrorAsync(ErrorKind.MalformedRequest, "a frame nym-client could not parse").DefaultTimeout();
        var error = page.Locator("[data-testid=event][data-type=error]");
        await Expect(error).ToHaveCountAsync(1);
        await Expect(error.GetByTestId("error-kind")).ToHaveTextAsync("nym-client error: malformedRequest");
        await Expect(error.GetByTestId("event-text")).ToHaveTextAsync("a frame nym-client could not parse");

        // Newest first.
        var seqs = await page.GetByTestId("event").EvaluateAllAsync<long[]>("items => items.map(i => Number(i.dataset.seq))");
        Assert.Equal(5, seqs.Length);
        Assert.Equal(seqs.OrderDescending(), seqs);

        await SaveScreenshotAsync(page, "page.png");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.SetViewportSizeAsync(420, 900);
        await SaveScreenshotAsync(page, "page-narrow-dark.png");
        Assert.Empty(problems);
    }

    [SkippableFact]
    public async Task A_bad_recipient_shows_the_reason_and_nothing_arrives()
    {
        Chromium.SkipUnlessAvailable();
        await using var bridge = await PageHost.StartAsync(TestTimeout.Default);
        await using var chromium = await Chromium.LaunchAsync(_driver, TestTimeout.Default);
        var page = chromium.Page;
        var problems = CollectProblems(page);

        await page.GotoAsync(bridge.BaseAddress.ToString());
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected");

        await page.GetByTestId("recipient").FillAsync("abc@def");
        await page.GetByTestId("message").FillAsync("lost");
        await page.GetByTestId("send").ClickAsync();

        var result = page.GetByTestId("send-result");
        await Expect(result).ToHaveAttributeAsync("data-kind", "error");
        await Expect(result).ToContainTextAsync("Not sent:");
        await Expect(result).ToContainTextAsync("encryption key");
        await Expect(page.GetByTestId("no-messages")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("event")).ToHaveCountAsync(0);
        Assert.Empty(problems);
    }

    [SkippableFact]
    public async Task With_an_api_key_the_page_asks_for_it_then_connects_and_sends()
    {
        Chromium.SkipUnlessAvailable();
        const string key = "browser-test-key-7c1f0b9e";
        await using var bridge = await PageHost.StartAsync(TestTimeout.Default, apiKey: key);
        await using var chromium = await Chromium.LaunchAsync(_driver, TestTimeout.Default);
        var page = chromium.Page;

        await page.GotoAsync(bridge.BaseAddress.ToString());
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "unauthorized");
        await Expect(page.GetByTestId("key-form")).ToBeVisibleAsync();
        await SaveScreenshotAsync(page, "page-api-key.png");

        await page.GetByTestId("api-key").FillAsync(key);
        await page.GetByTestId("api-key-submit").ClickAsync();

        var self = await bridge.Client.GetFromJsonAsync<SelfAddress>("/self-address").DefaultTimeout();
        Assert.NotNull(self);
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.GetByTestId("key-form")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("self-address")).ToHaveTextAsync(self.Address);

        await page.GetByTestId("to-self").ClickAsync();
        await page.GetByTestId("message").FillAsync("with a key");
        await page.GetByTestId("send").ClickAsync();
        await Expect(page.GetByTestId("send-result")).ToHaveTextAsync("Sent 10 bytes.");
        await Expect(Event(page, "with a key")).ToHaveCountAsync(1);
    }

    [SkippableFact]
    public async Task After_a_dropped_connection_the_page_replays_what_it_missed()
    {
        Chromium.SkipUnlessAvailable();
        await using var bridge = await PageHost.StartAsync(TestTimeout.Default);
        await using var chromium = await Chromium.LaunchAsync(_driver, TestTimeout.Default);
        var page = chromium.Page;

        // The hub's websockets go through Playwright, so the test can cut them and hold reconnects back.
        var link = new HubLink();
        await page.RouteWebSocketAsync(url => url.Contains("/hubs/messages", StringComparison.Ordinal), link.Route);
        await page.RouteAsync("**/hubs/messages/negotiate*", route => link.Down ? route.AbortAsync() : route.ContinueAsync());

        await page.GotoAsync(bridge.BaseAddress.ToString());
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected");
        await page.GetByTestId("to-self").ClickAsync();
        await page.GetByTestId("message").FillAsync("before the drop");
        await page.GetByTestId("send").ClickAsync();
        var before = Event(page, "before the drop");
        await Expect(before).ToHaveCountAsync(1);
        var seen = long.Parse((await before.GetAttributeAsync("data-seq"))!, CultureInfo.InvariantCulture);

        await link.CutAsync();
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "offline");

        // Arrives while the page is away: only Replay(after) can bring it.
        var self = await bridge.Client.GetFromJsonAsync<SelfAddress>("/self-address").DefaultTimeout();
        using (var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self!.Address, message = "while away" }).DefaultTimeout())
        {
            sent.EnsureSuccessStatusCode();
        }

        var stored = await bridge.Client.GetFromJsonAsync<JsonElement>($"/messages?after={seen}&wait=10").DefaultTimeout();
        Assert.Equal("while away", stored.GetProperty("messages")[0].GetProperty("message").GetString());

        link.Down = false;
        await Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(Event(page, "while away")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("event")).ToHaveCountAsync(2);
    }

    private static ILocator Event(IPage page, string text) =>
        page.GetByTestId("event").Filter(new() { Has = page.GetByTestId("event-text").GetByText(text, new() { Exact = true }) });

    /// <summary>Script errors and console errors: the page must run clean.</summary>
    private static ConcurrentQueue<string> CollectProblems(IPage page)
    {
        var problems = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Enqueue($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Enqueue($"page error: {error}");
        return problems;
    }

    /// <summary>Passes the hub's websockets through; <see cref="CutAsync"/> drops them and refuses new ones until <see cref="Down"/> is cleared.</summary>
    private sealed class HubLink
    {
        private readonly ConcurrentQueue<(IWebSocketRoute Page, IWebSocketRoute Server)> _open = new();
        private volatile bool _down;

        public bool Down
        {
            get => _down;
            set => _down = value;
        }

        public void Route(IWebSocketRoute page)
        {
            if (_down)
            {
                _ = page.CloseAsync();
                return;
            }

            _open.Enqueue((page, page.ConnectToServer()));
        }

        public async Task CutAsync()
        {
            _down = true;
            while (_open.TryDequeue(out var socket))
            {
                await socket.Server.CloseAsync().DefaultTimeout();
                await socket.Page.CloseAsync(new() { Code = 1011, Reason = "cut by the test" }).DefaultTimeout();
            }
        }
    }

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
    }
}
