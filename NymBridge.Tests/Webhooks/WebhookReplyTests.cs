using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NymBridge.Api.Webhooks;
using static NymBridge.Tests.Webhooks.WebhookTestKit;

namespace NymBridge.Tests.Webhooks;

/// <summary>A handler's answer becomes the anonymous reply: once per event, within the window, by the rules of POST /reply.</summary>
public class WebhookReplyTests
{
    [Fact]
    public async Task Answers_become_replies_by_content_type_and_the_attempt_log_says_why_not()
    {
        await using var receiver = await WebhookReceiver.StartAsync(async (r, http) =>
        {
            var message = System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("message").GetString();
            switch (message)
            {
                case "bytes":
                    http.Response.ContentType = "application/octet-stream";
                    await http.Response.Body.WriteAsync(new byte[] { 1, 2, 3 });
                    break;
                case "text":
                    http.Response.ContentType = "text/plain; charset=utf-8";
                    await http.Response.WriteAsync("plain answer");
                    break;
                case "json":
                    await http.Response.WriteAsJsonAsync(new { message = new { ok = true } });
                    break;
                case "both":
                    await http.Response.WriteAsJsonAsync(new { message = "a", messageBase64 = "AA==" });
                    break;
                case "xml":
                    http.Response.ContentType = "application/xml";
                    await http.Response.WriteAsync("<a/>");
                    break;
                case "untagged":
                    http.Response.ContentType = "text/plain";
                    await http.Response.WriteAsync("nobody to reply to");
                    break;
                default:
                    http.Response.StatusCode = 204;
                    break;
            }
        });
        await using var bridge = await StartBridgeAsync(receiver.Url);

        string[] messages = ["bytes", "text", "json", "both", "xml", "empty"];
        for (var i = 0; i < messages.Length; i++)
        {
            await bridge.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes(messages[i]), Tag((byte)(i + 1)));
        }

        await bridge.Emulator.InjectReceivedAsync("untagged"u8.ToArray());
        var attempts = (await bridge.WaitForAttemptsAsync(7)).ToDictionary(a => a.GetProperty("seq").GetInt64(), a => a.GetProperty("reply").GetString());
        var replies = bridge.Replies();
        var state = await bridge.WebhooksAsync();

        Assert.Equal("sent", attempts[1]);
        Assert.Equal("sent", attempts[2]);
        Assert.Equal("sent", attempts[3]);
        Assert.Equal("refused: Give either message or messageBase64, not both.", attempts[4]);
        Assert.StartsWith("refused: Content-Type 'application/xml' is not a reply", attempts[5], StringComparison.Ordinal);
        Assert.Equal("none", attempts[6]);
        Assert.StartsWith("refused: the message has no sender tag", attempts[7], StringComparison.Ordinal);
        Assert.Equal(3, replies.Count);
        Assert.Equal(new byte[] { 1, 2, 3 }, replies.Single(r => r.SenderTag == Tag(1)).Message.ToArray());
        Assert.Equal("plain answer", Encoding.UTF8.GetString(replies.Single(r => r.SenderTag == Tag(2)).Message.Span));
        Assert.Equal("{\"ok\":true}", Encoding.UTF8.GetString(replies.Single(r => r.SenderTag == Tag(3)).Message.Span));
        Assert.Equal(7, state.GetProperty("delivered").GetInt64()); // no reply is still a success
        Assert.Equal(3, state.GetProperty("repliesSent").GetInt64());
        Assert.Equal(3, state.GetProperty("repliesRefused").GetInt64());
    }

    [Fact]
    public async Task A_handler_that_answers_after_our_timeout_then_on_the_retry_sends_exactly_one_reply()
    {
        var slowDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            http.Response.ContentType = "text/plain";
            if (Interlocked.Increment(ref calls) == 1)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted); // until the bridge's timeout aborts the request
                }
                catch (OperationCanceledException)
                {
                }

                // past the bridge's timeout, yet it answers
                try
                {
                    await http.Response.WriteAsync("slow answer");
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
                {
                }

                slowDone.TrySetResult();
                return;
            }

            await http.Response.WriteAsync("echo");
        });
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?>
        {
            // Long enough for the later attempts to answer on a loaded machine (CI once saw a 300 ms one time out).
            [$"Webhooks:Endpoints:{Name}:Timeout"] = "00:00:02",
        });

        await bridge.Emulator.InjectReceivedAsync("ping"u8.ToArray(), Tag(9));
        await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 1);
        await slowDone.Task.DefaultTimeout();
        var redeliver = await bridge.Client.PostAsJsonAsync($"/webhooks/{Name}/redeliver", new Dictionary<string, object> { ["seqs"] = new List<long> { 1 } });
        var attempts = await bridge.WaitForAttemptsAsync(3);
        var replies = bridge.Replies();

        Assert.Equal(System.Net.HttpStatusCode.Accepted, redeliver.StatusCode);
        Assert.StartsWith("timed out", attempts[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("sent", attempts[1].GetProperty("reply").GetString());
        Assert.Equal("refused: a reply for this webhook-id was already sent", attempts[2].GetProperty("reply").GetString());
        Assert.Single(attempts.Select(a => a.GetProperty("webhookId").GetString()).Distinct());
        Assert.Equal("echo", Encoding.UTF8.GetString(Assert.Single(replies).Message.Span));
    }

    [Fact]
    public async Task An_answer_after_the_reply_window_sends_no_reply()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            await release.Task;
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("too late");
        });
        await using var bridge = await StartBridgeAsync(receiver.Url, new Dictionary<string, string?>
        {
            [$"Webhooks:Endpoints:{Name}:Timeout"] = "00:10:00",
            [$"Webhooks:Endpoints:{Name}:ReplyWindow"] = "00:01:00",
        }, services => services.AddKeyedSingleton<TimeProvider>(WebhookServiceCollectionExtensions.TimeKey, time));

        await bridge.Emulator.InjectReceivedAsync("slow"u8.ToArray(), Tag(3));
        await receiver.WaitForCountAsync(1);
        time.Advance(TimeSpan.FromMinutes(2));
        release.SetResult();
        var attempts = await bridge.WaitForAttemptsAsync(1);
        var state = await bridge.WebhooksAsync();

        Assert.Equal(200, attempts[0].GetProperty("status").GetInt32());
        Assert.Equal("late", attempts[0].GetProperty("reply").GetString());
        Assert.Equal(1, state.GetProperty("delivered").GetInt64());
        Assert.Empty(bridge.Replies());
    }

    [Fact]
    public async Task Too_many_requests_with_retry_after_is_not_retried_earlier_than_it_says()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var calls = 0;
        await using var receiver = await WebhookReceiver.StartAsync((_, http) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                http.Response.StatusCode = 429;
                http.Response.Headers.RetryAfter = "120";
            }

            return Task.CompletedTask;
        });
        await using var bridge = await StartBridgeAsync(receiver.Url, null,
            services => services.AddKeyedSingleton<TimeProvider>(WebhookServiceCollectionExtensions.TimeKey, time));

        await bridge.Emulator.InjectReceivedAsync("hi"u8.ToArray());
        var first = (await bridge.WaitForAttemptsAsync(1))[0];
        var waiting = await bridge.WebhooksAsync();
        time.Advance(TimeSpan.FromSeconds(119));
        await Task.Delay(200); // the schedule alone (50 ms) would have retried by now
        var early = receiver.Received.Count;
        time.Advance(TimeSpan.FromSeconds(2));
        await receiver.WaitForCountAsync(2);
        var done = await bridge.WaitForWebhookAsync(s => s.GetProperty("delivered").GetInt64() == 1);

        Assert.Equal(429, first.GetProperty("status").GetInt32());
        Assert.True(waiting.GetProperty("nextAttemptAt").GetDateTimeOffset() >= first.GetProperty("at").GetDateTimeOffset().AddSeconds(120));
        Assert.Equal(1, early);
        Assert.Equal(receiver.Received[0].Id, receiver.Received[1].Id);
        Assert.Equal(0, done.GetProperty("pending").GetInt64());
    }
    [Fact]
    public async Task A_reply_that_meets_a_disconnected_nym_client_is_written_once_it_reconnects()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync(async (_, http) =>
        {
            await release.Task;
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("after the outage");
        });
        await using var bridge = await StartBridgeAsync(receiver.Url);

        await bridge.Emulator.InjectReceivedAsync("hi"u8.ToArray(), Tag(8));
        await receiver.WaitForCountAsync(1);
        bridge.Emulator.RefuseConnections(true);
        await bridge.Emulator.DropConnectionAsync();
        await bridge.Emulator.WaitForDisconnectAsync(TestTimeout.Default);
        release.SetResult();
        await Task.Delay(300); // the reply meets the outage
        var during = bridge.Replies().Count;
        bridge.Emulator.RefuseConnections(false);
        var attempts = await bridge.WaitForAttemptsAsync(1);

        Assert.Equal(0, during);
        Assert.Equal("sent", attempts[0].GetProperty("reply").GetString());
        Assert.Equal("after the outage", Encoding.UTF8.GetString(Assert.Single(bridge.Replies()).Message.Span));
    }
}
