using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Playwright;
using NymBridge.Api.Status;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace NymBridge.Tests.Browser;

/// <summary>The page at / in headless Chromium, against the real app on the built-in emulator.</summary>
public sealed class PageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public PageTests(ITestOutputHelper output)
    {
        _output = output;
        SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
    }

    [Fact]
    public async Task Shows_the_address_and_sends_receives_and_replies_through_the_form()
    {
        await using var bridge = await PageHost.StartAsync(Timeout);
        await using var chromium = await Chromium.LaunchAsync(Timeout);
        var page = chromium.Page;
        var problems = CollectProblems(page);

        await page.GotoAsync(bridge.BaseAddress.ToString());

        var self = await bridge.Client.GetFromJsonAsync<SelfAddress>("/self-address").WaitAsync(Timeout);
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
        using (var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self.Address, messageBase64 = Convert.ToBase64String(binary) }).WaitAsync(Timeout))
        {
            sent.EnsureSuccessStatusCode();
        }

        var download = page.GetByTestId("event-download");
        await Expect(download).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("event").Filter(new() { Has = download })).ToContainTextAsync("Binary, 4 bytes");
        var href = await download.GetAttributeAsync("href");
        Assert.Equal(binary, await bridge.Client.GetByteArrayAsync(new Uri(bridge.BaseAddress, href)).WaitAsync(Timeout));

        // Newest first.
        var seqs = await page.GetByTestId("event").EvaluateAllAsync<long[]>("items => items.map(i => Number(i.dataset.seq))");
        Assert.Equal(4, seqs.Length);
        Assert.Equal(seqs.OrderDescending(), seqs);

        await SaveScreenshotAsync(page, "page.png");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_bad_recipient_shows_the_reason_and_nothing_arrives()
    {
        await using var bridge = await PageHost.StartAsync(Timeout);
        await using var chromium = await Chromium.LaunchAsync(Timeout);
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

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
    }
}
