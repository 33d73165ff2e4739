using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NymBridge.Protocol;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// Failures of a three-instance cluster, each on a cluster of its own with the short lease
/// (<see cref="ClusterHarness.ShortLease"/>): a leader killed or frozen, a follower killed, Redis restarted empty.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterFailoverProcessTests
{
    private static readonly NymAddress Other = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    private static readonly TimeSpan NewLeaderWithin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Kill_9_of_the_leader_during_a_burst_loses_nothing_held_or_pushed_live_duplicates_nothing_and_sends_in_the_gap_get_503()
    {
        await using var cluster = await ClusterHarness.StartAsync(ClusterHarness.ShortLease);
        var leader = await cluster.WaitForRolesAsync();
        var survivors = cluster.Others(leader);

        // Before: 200 messages pushed to the live leader and seen committed.
        for (var i = 0; i < 200; i++)
        {
            await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{i}")).DefaultTimeout();
        }

        await Eventually.WaitUntilAsync(async () => (await cluster.ReplayAllAsync(survivors[0])).Count >= 200, "the first 200 are in the inbox");

        // The burst goes on while the leader dies; remember which pushes came after nym-client saw the connection drop (held).
        var next = 200;
        using var stop = new CancellationTokenSource();
        var burst = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{next}"));
                next++;
                await Task.Delay(2, CancellationToken.None); // a steady burst of a few hundred a second, not a flood of held frames
            }
        });

        await Eventually.WaitUntilAsync(() => Volatile.Read(ref next) >= 300, "the burst is under way");
        var downAt = Stopwatch.StartNew();
        cluster.Kill(leader);
        // The kernel closed the dead leader's socket: nym-client sees the drop (and perhaps already the new leader).
        await Eventually.WaitUntilAsync(() => !cluster.Emulator.IsClientConnected || cluster.Emulator.ConnectionsAccepted >= 2, "nym-client saw the connection drop");
        var firstHeld = Volatile.Read(ref next) + 1; // pushes from here on find no connection (held), or the new leader's

        // Sends in the gap: refused with 503 + Retry-After, or (once the new leader serves) accepted; each written at most once.
        var gapSends = new List<(string Text, HttpStatusCode Status)>();
        var k = 0;
        while (!cluster.Emulator.IsClientConnected && downAt.Elapsed < NewLeaderWithin)
        {
            var text = $"gap-send-{k++}";
            using var response = await cluster[survivors[k % survivors.Count]].SendTextAsync(Other.ToString(), text);
            gapSends.Add((text, response.StatusCode));
            Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.Accepted, $"{text}: {response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.NotNull(response.Headers.RetryAfter);
            }

            await Task.Delay(100); // paces the probe; the loop ends on the emulator's state, not on this
        }

        await cluster.Emulator.WaitForClientAsync(TimeSpan.FromTicks(Math.Max(1, (NewLeaderWithin - downAt.Elapsed).Ticks))).DefaultTimeout(NewLeaderWithin);
        Assert.True(downAt.Elapsed < NewLeaderWithin, $"a new leader connected after {downAt.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains(gapSends, s => s.Status == HttpStatusCode.ServiceUnavailable);
        var newLeader = await cluster.WaitForRolesAsync();
        Assert.NotEqual(leader, newLeader);

        await Eventually.WaitUntilAsync(() => Volatile.Read(ref next) >= firstHeld + 200, "the burst goes on into the new leader");
        await stop.CancelAsync();
        await burst.DefaultTimeout();
        var last = Volatile.Read(ref next) - 1;

        var inbox = await Eventually.ProbeUntilAsync(
            () => cluster.ReplayAllAsync(newLeader),
            events => events.Any(e => e.GetProperty("message").GetString() == $"m{last}"),
            "the last message of the burst is in the inbox");
        var seqs = inbox.Select(e => e.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        var numbers = inbox.Select(e => e.GetProperty("message").GetString()!).Where(m => m.StartsWith('m')).Select(m => int.Parse(m[1..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        Assert.Equal(numbers.Order(), numbers);
        var missing = Enumerable.Range(0, last + 1).Except(numbers).ToList();
        Assert.True(missing.All(n => n >= 200 && n < firstHeld), $"lost outside the frames in flight at the kill: {string.Join(',', missing.Where(n => n < 200 || n >= firstHeld))}\n{cluster.Outputs()}");

        foreach (var (text, status) in gapSends)
        {
            var frame = RequestCodec.Encode(new SendRequest(Other, Encoding.UTF8.GetBytes(text)));
            var written = cluster.Emulator.ReceivedFrames.Count(f => f.Data.AsSpan().SequenceEqual(frame));
            Assert.True(written <= 1, $"{text} was written {written} times");
            if (status == HttpStatusCode.Accepted)
            {
                Assert.Equal(1, written);
            }
        }
    }

    [Fact]
    public async Task A_leader_paused_past_its_lease_gives_up_its_socket_when_it_runs_again_and_nothing_is_lost()
    {
        await using var cluster = await ClusterHarness.StartAsync(ClusterHarness.ShortLease);
        var leader = await cluster.WaitForRolesAsync();
        var observer = cluster.Others(leader)[0];
        for (var i = 0; i < 50; i++)
        {
            await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"p{i}")).DefaultTimeout();
        }

        var accepted = cluster.Emulator.ConnectionsAccepted; // under load a short lease may already have changed hands once at start
        cluster.Pause(leader);
        try
        {
            // While it is frozen its socket stays open: nym-client keeps writing into it.
            for (var i = 50; i < 100; i++)
            {
                await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"p{i}")).DefaultTimeout();
            }

            // Another instance takes the lease once it expires, but nym-client still has the frozen one's connection.
            await Eventually.WaitUntilAsync(
                async () => await cluster.ClusterStatusAsync(observer) is { Leader: { } l } && l != ClusterHarness.InstanceId(leader),
                "another instance holds the lease",
                TimeSpan.FromSeconds(20));
            Assert.Equal(accepted, cluster.Emulator.ConnectionsAccepted);
        }
        finally
        {
            cluster.Resume(leader);
        }

        // Running again, it finds its turn over: it half-closes, reads what nym-client had in flight, and lets go.
        await Eventually.WaitUntilAsync(() => cluster.Emulator.ConnectionsAccepted > accepted && cluster.Emulator.IsClientConnected,
            "the new leader holds the nym-client connection", TimeSpan.FromSeconds(30));
        var newLeader = await cluster.WaitForRolesAsync();
        Assert.NotEqual(leader, newLeader);

        for (var i = 100; i < 150; i++)
        {
            await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"p{i}")).DefaultTimeout();
        }

        var inbox = await Eventually.ProbeUntilAsync(
            () => cluster.ReplayAllAsync(leader),
            events => events.Count >= 150,
            "all 150 are in the inbox, read through the resumed instance");
        Assert.Equal(Enumerable.Range(0, 150).Select(i => $"p{i}"), inbox.Select(e => e.GetProperty("message").GetString()));
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (long)i), inbox.Select(e => e.GetProperty("seq").GetInt64()));

        var text = "after the pause";
        using var send = await cluster[leader].SendTextAsync(Other.ToString(), text);
        Assert.Equal(HttpStatusCode.Accepted, send.StatusCode);
        var frame = RequestCodec.Encode(new SendRequest(Other, Encoding.UTF8.GetBytes(text)));
        await cluster.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().SequenceEqual(frame), TestTimeout.Default).DefaultTimeout();
    }

    [Fact]
    public async Task A_redis_restart_without_persistence_makes_a_replay_with_the_old_epoch_say_reset()
    {
        await using var cluster = await ClusterHarness.StartAsync(ClusterHarness.ShortLease);
        var leader = await cluster.WaitForRolesAsync();
        var follower = cluster.Others(leader)[0];
        await cluster.Emulator.InjectReceivedAsync("before"u8.ToArray()).DefaultTimeout();
        var before = await Eventually.ProbeUntilAsync(
            () => cluster[follower].Client.GetFromJsonAsync<JsonElement>("/messages?after=0&wait=0"),
            page => page.GetProperty("messages").GetArrayLength() == 1,
            "the follower replays the first message");
        var oldEpoch = before.GetProperty("epoch").GetString();

        await cluster.Redis.RestartAsync(keepData: false);
        await cluster.WaitForRolesAsync();
        await cluster.Emulator.InjectReceivedAsync("after"u8.ToArray()).DefaultTimeout();

        var page = await Eventually.ProbeUntilAsync(
            async () =>
            {
                try
                {
                    return await cluster[follower].Client.GetFromJsonAsync<JsonElement>($"/messages?after=1&epoch={Uri.EscapeDataString(oldEpoch!)}&wait=0");
                }
                catch (HttpRequestException)
                {
                    return default; // 503 while the instance reconnects to Redis
                }
            },
            p => p.ValueKind == JsonValueKind.Object && p.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("message").GetString() == "after"),
            "the message after the restart is replayed");
        Assert.True(page.GetProperty("reset").GetBoolean(), page.ToString());
        Assert.NotEqual(oldEpoch, page.GetProperty("epoch").GetString());
        Assert.DoesNotContain(page.GetProperty("messages").EnumerateArray(), m => m.GetProperty("message").GetString() == "before");
    }

    [Fact]
    public async Task An_sse_client_of_a_killed_follower_resumes_on_another_instance_with_last_event_id_without_a_gap()
    {
        await using var cluster = await ClusterHarness.StartAsync(ClusterHarness.ShortLease);
        var leader = await cluster.WaitForRolesAsync();
        var follower = cluster.Others(leader)[0];
        var other = cluster.Others(leader)[1];

        var response = await cluster[follower].Client.GetAsync("/messages/stream?after=0", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<JsonElement>();
        for (var i = 0; i < 100; i++)
        {
            await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"s{i}")).DefaultTimeout();
        }

        while (seen.Count < 60)
        {
            var (_, name, data) = await reader.NextAsync().DefaultTimeout();
            if (name == "message")
            {
                seen.Add(data);
            }
        }

        cluster.Kill(follower);
        var lastEventId = reader.LastEventId;
        reader.Dispose();
        response.Dispose();
        for (var i = 100; i < 200; i++)
        {
            await cluster.Emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"s{i}")).DefaultTimeout();
        }

        using var resume = new HttpRequestMessage(HttpMethod.Get, "/messages/stream");
        resume.Headers.Add("Last-Event-ID", lastEventId);
        var resumed = await cluster[other].Client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        resumed.EnsureSuccessStatusCode();
        var rest = await ClusterProcessTests.ReadEventsAsync(new SseReader(await resumed.Content.ReadAsStreamAsync()), resumed, 200 - seen.Count)
            .DefaultTimeout();

        var all = seen.Concat(rest).ToList();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), all.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"s{i}"), all.Select(e => e.GetProperty("message").GetString()));
    }
}
