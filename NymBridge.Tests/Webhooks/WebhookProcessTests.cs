using System.Text;
using System.Text.RegularExpressions;
using NymBridge.Emulator;

namespace NymBridge.Tests.Webhooks;

/// <summary>The real program with <c>--webhook</c>, killed with SIGKILL mid-delivery and started again on the same file.</summary>
public partial class WebhookProcessTests
{

    [GeneratedRegex("Webhook 'default' signing secret: (whsec_[A-Za-z0-9+/=]+)")]
    private static partial Regex PrintedSecret();

    [Fact]
    public async Task Kill_9_mid_delivery_then_restart_delivers_every_event_with_duplicates_only_under_the_same_id()
    {
        const int events = 40, concurrency = 4;
        using var temp = new TempDirectory();
        await using var emulator = new NymClientEmulator();
        await emulator.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(async (_, _) => await Task.Delay(40));
        string[] arguments =
        [
            $"--Nym:ClientUrl={emulator.Url}", "--Inbox:Store=Sqlite", $"--Bridge:DataDirectory={temp.Path}", "--Inbox:Path=inbox.db",
            "--webhook", receiver.Url.ToString(), $"--Webhooks:Endpoints:default:Concurrency={concurrency}",
        ];

        string secret;
        using (var first = BridgeProcess.Start(temp.Path, arguments))
        {
            await first.WaitUntilReadyAsync(TestTimeout.ProcessStart);
            await first.WaitForOutputAsync("signing secret", TestTimeout.ProcessStart);
            secret = PrintedSecret().Match(first.Output).Groups[1].Value;
            for (var i = 1; i <= events; i++)
            {
                await emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"event {i}"));
            }

            await receiver.WaitForCountAsync(12, TestTimeout.ProcessStart);
            first.Kill();
        }

        var beforeRestart = receiver.Received.Count;
        using var second = BridgeProcess.Start(temp.Path, arguments);
        await second.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        await second.WaitForOutputAsync("signing secret", TestTimeout.ProcessStart);
        var received = await receiver.WaitForAsync(r => r.Select(x => x.Id).Distinct().Count() == events, TestTimeout.ProcessStart);

        var file = Path.Combine(temp.Path, "webhook-default.secret");
        Assert.True(beforeRestart < events, "the kill came too late to be mid-delivery");
        Assert.Equal(secret, PrintedSecret().Match(second.Output).Groups[1].Value);
        Assert.Equal(secret, File.ReadAllText(file).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.DoesNotContain(secret[6..], second.Output.Replace(PrintedSecret().Match(second.Output).Value, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(received, r => Assert.True(SpecSignature.Verify(secret, r.Id, r.Timestamp, r.Body, r.Signature), r.Id));
        var seqs = received.Select(r => long.Parse(r.Id[(r.Id.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, events).Select(i => (long)i), seqs.Distinct().Order());
        // A duplicate is the same event again: same id, same bytes; at most those in flight at the kill.
        Assert.All(received.GroupBy(r => r.Id), g => Assert.Single(g.Select(r => r.Text).Distinct()));
        Assert.InRange(received.Count - events, 0, concurrency);
    }
}
