using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NymBridge.Emulator;

namespace NymBridge.Tests.Hosting;

/// <summary>The real program, started and killed as a process.</summary>
public class ProcessTests
{

    [Fact]
    public async Task The_readme_command_runs_the_bridge_on_the_emulator_and_loops_a_send_back()
    {
        using var temp = new TempDirectory();
        using var bridge = BridgeProcess.Start(temp.Path, "--emulator");
        await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart);

        var self = (await bridge.Client.GetFromJsonAsync<JsonElement>("/self-address")).GetProperty("address").GetString();
        var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self, message = "hello" });
        var back = await bridge.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal("hello", back.GetProperty("messages")[0].GetProperty("message").GetString());
        Assert.Contains($"Self address: {self}", bridge.Output, StringComparison.Ordinal);
        Assert.Contains("/swagger", bridge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_bridge_restarts_on_the_same_sqlite_file_with_every_event_and_its_queue_cursor()
    {
        using var temp = new TempDirectory();
        await using var emulator = new NymClientEmulator();
        await emulator.StartAsync();
        string[] arguments = [$"--Nym:ClientUrl={emulator.Url}", "--Inbox:Store=Sqlite", $"--Inbox:Path={System.IO.Path.Combine(temp.Path, "inbox.db")}"];

        string epoch;
        using (var first = BridgeProcess.Start(temp.Path, arguments))
        {
            await first.WaitUntilReadyAsync(TestTimeout.ProcessStart);
            for (var i = 1; i <= 50; i++)
            {
                await emulator.InjectReceivedAsync(System.Text.Encoding.UTF8.GetBytes($"event {i}"));
            }

            var taken = new List<long>();
            while (taken.Count < 20)
            {
                var page = await first.Client.GetFromJsonAsync<JsonElement>($"/messages?max={20 - taken.Count}&wait=10");
                taken.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
            }

            // Every event is committed once a replay sees seq 50.
            var replay = await first.Client.GetFromJsonAsync<JsonElement>("/messages?after=49&wait=10");
            Assert.Equal(50, replay.GetProperty("messages")[0].GetProperty("seq").GetInt64());
            epoch = replay.GetProperty("epoch").GetString()!;
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), taken);
            first.Kill();
        }

        using var second = BridgeProcess.Start(temp.Path, arguments);
        await second.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        var all = await second.Client.GetFromJsonAsync<JsonElement>($"/messages?after=0&epoch={epoch}&max=1000&wait=0");
        var next = await second.Client.GetFromJsonAsync<JsonElement>("/messages?max=1&wait=0");
        await emulator.InjectReceivedAsync("after restart"u8.ToArray());
        var fresh = await second.Client.GetFromJsonAsync<JsonElement>("/messages?after=50&wait=10");

        Assert.False(all.GetProperty("reset").GetBoolean());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), all.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal("event 50", all.GetProperty("messages")[49].GetProperty("message").GetString());
        Assert.Equal(21, next.GetProperty("messages")[0].GetProperty("seq").GetInt64());
        Assert.Equal(51, fresh.GetProperty("messages")[0].GetProperty("seq").GetInt64());
    }
}
