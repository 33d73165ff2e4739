using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using NymBridge.Emulator;
using NymBridge.Tests.Emulator;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// Cluster mode as an operator runs it on one machine: one real redis-server (unix socket, AOF with
/// <c>appendfsync always</c>), one emulator standing in for nym-client, and three real bridge processes that share
/// them, each on a loopback port chosen before it starts so that its <c>Cluster:AdvertisedUrl</c> is its own URL.
/// </summary>
/// <remarks>
/// <c>Cluster:LeaseTime</c> is the default 15 s unless a test passes a shorter one: the failover tests use 3 s
/// (renewed every 0.75 s, given up after 2 s without a renewal), so a dead leader's lease expires within
/// seconds instead of a quarter of a minute. The internal key is random per cluster.
/// </remarks>
internal sealed class ClusterHarness : IAsyncDisposable
{
    public const int Size = 3;

    /// <summary>The lease the failover tests use: short enough that a new leader takes over well within 20 s.</summary>
    public static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(3);

    private readonly TempDirectory _temp;
    private readonly string[] _extraArguments;
    private readonly BridgeProcess?[] _instances = new BridgeProcess?[Size];
    private readonly int[] _ports = new int[Size];

    private ClusterHarness(RedisServer redis, NymClientEmulator emulator, TempDirectory temp, TimeSpan? leaseTime, string[] extraArguments)
    {
        Redis = redis;
        Emulator = emulator;
        _temp = temp;
        LeaseTime = leaseTime;
        _extraArguments = extraArguments;
        InternalKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Name = "nb" + Guid.NewGuid().ToString("N")[..8];
    }

    public RedisServer Redis { get; }

    public NymClientEmulator Emulator { get; }

    public string InternalKey { get; }

    /// <summary><c>Cluster:Name</c>: the key prefix, so the keys of one cluster are easy to find in Redis.</summary>
    public string Name { get; }

    public TimeSpan? LeaseTime { get; }

    /// <summary>The instances, by index; a killed one stays in its slot (exited).</summary>
    public IReadOnlyList<BridgeProcess> Instances => _instances.Select(i => i ?? throw new InvalidOperationException("not started")).ToList();

    public BridgeProcess this[int index] => _instances[index] ?? throw new InvalidOperationException("not started");

    public static string InstanceId(int index) => $"node-{index}";

    /// <summary>Starts Redis, the emulator and three bridges, and waits until one leads and two follow.</summary>
    public static async Task<ClusterHarness> StartAsync(TimeSpan? leaseTime = null, params string[] extraArguments)
    {
        var redis = await RedisServer.StartAsync();
        var emulator = await TestEmulator.StartAsync();
        var harness = new ClusterHarness(redis, emulator, new TempDirectory(), leaseTime, extraArguments);
        try
        {
            for (var i = 0; i < Size; i++)
            {
                harness._ports[i] = BridgeProcess.FreePort();
            }

            for (var i = 0; i < Size; i++)
            {
                harness.StartInstance(i);
            }

            await harness.WaitForRolesAsync();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or starts again, on the same port and id) instance <paramref name="index"/>.</summary>
    public void StartInstance(int index)
    {
        _instances[index]?.Dispose();
        var directory = Path.Combine(_temp.Path, InstanceId(index));
        Directory.CreateDirectory(directory);
        var url = $"http://127.0.0.1:{_ports[index]}";
        var arguments = new List<string>
        {
            $"--Cluster:Redis=!{Redis.SocketPath}",
            $"--Cluster:Name={Name}",
            $"--Cluster:InstanceId={InstanceId(index)}",
            $"--Cluster:AdvertisedUrl={url}",
            $"--Cluster:InternalKey={InternalKey}",
            $"--Nym:ClientUrl={Emulator.Url}",
            "--Nym:ReconnectMaxDelay=00:00:00.5",
        };
        if (LeaseTime is { } lease)
        {
            arguments.Add($"--Cluster:LeaseTime={lease.ToString("c", CultureInfo.InvariantCulture)}");
        }

        arguments.AddRange(_extraArguments);
        _instances[index] = BridgeProcess.Start(
            "dotnet", [ApiAssembly()], directory, arguments, environment: null, port: _ports[index]);
    }

    /// <summary>The <c>cluster</c> component of an instance's <c>/status</c>, or null when it does not answer.</summary>
    public async Task<ClusterView?> ClusterStatusAsync(int index)
    {
        if (_instances[index] is not { HasExited: false } instance)
        {
            return null;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var status = await instance.Client.GetFromJsonAsync<JsonElement>("/status", timeout.Token);
            var components = status.GetProperty("components");
            if (!components.TryGetProperty("cluster", out var cluster))
            {
                return null;
            }

            var leader = cluster.TryGetProperty("leader", out var l) && l.ValueKind == JsonValueKind.Object
                ? l.GetProperty("instanceId").GetString()
                : null;
            var term = cluster.TryGetProperty("term", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : (long?)null;
            var epoch = components.TryGetProperty("inbox", out var inbox) && inbox.TryGetProperty("epoch", out var e) ? e.GetString() : null;
            return new ClusterView(cluster.GetProperty("instanceId").GetString()!, cluster.GetProperty("role").GetString()!, leader, term, epoch,
                status.GetProperty("nymClient").GetProperty("connected").GetBoolean());
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until the live instances agree: exactly one says leader (and is connected to nym-client), the others
    /// say follower, and all name the same leader. Returns the leader's index.
    /// </summary>
    public async Task<int> WaitForRolesAsync(TimeSpan? timeout = null)
    {
        var live = Enumerable.Range(0, Size).Where(i => _instances[i] is { HasExited: false }).ToList();
        var views = await Eventually.ProbeUntilAsync(
            async () => await Task.WhenAll(live.Select(ClusterStatusAsync)),
            all => all.All(v => v is not null)
                   && all.Count(v => v!.Role == "leader") == 1
                   && all.Count(v => v!.Role == "follower") == all.Length - 1
                   && all.Single(v => v!.Role == "leader")!.NymConnected
                   && all.Select(v => v!.Leader).Distinct().Count() == 1
                   && all[0]!.Leader == all.Single(v => v!.Role == "leader")!.InstanceId,
            "one instance leads (connected to nym-client) and the others follow it",
            timeout ?? TestTimeout.ProcessStart);
        return live[Array.FindIndex(views, v => v!.Role == "leader")];
    }

    /// <summary>The index of the leader as the live instances report it (after <see cref="WaitForRolesAsync"/>).</summary>
    public Task<int> FindLeaderAsync(TimeSpan? timeout = null) => WaitForRolesAsync(timeout);

    /// <summary>The indexes of the live instances other than <paramref name="index"/>.</summary>
    public IReadOnlyList<int> Others(int index) =>
        Enumerable.Range(0, Size).Where(i => i != index && _instances[i] is { HasExited: false }).ToList();

    /// <summary>SIGKILL: the instance dies without closing anything (its sockets are closed by the kernel).</summary>
    public void Kill(int index) => this[index].Kill();

    /// <summary>SIGSTOP: the instance freezes with its sockets open, as a stalled VM or a long GC pause would.</summary>
    public void Pause(int index) => Signal(index, "-STOP");

    /// <summary>SIGCONT: the frozen instance runs again and finds its lease expired.</summary>
    public void Resume(int index) => Signal(index, "-CONT");

    /// <summary>A replay (<c>GET /messages?after=</c>) through <paramref name="index"/>, following the cursor to the end.</summary>
    public async Task<List<JsonElement>> ReplayAllAsync(int index, long after = 0)
    {
        var events = new List<JsonElement>();
        while (true)
        {
            var page = await this[index].Client
                .GetFromJsonAsync<JsonElement>($"/messages?after={after}&max=1000&wait=0")
                .DefaultTimeout();
            var messages = page.GetProperty("messages");
            if (messages.GetArrayLength() == 0)
            {
                return events;
            }

            foreach (var message in messages.EnumerateArray())
            {
                events.Add(message.Clone());
            }

            after = page.GetProperty("cursor").GetInt64();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            if (instance is not null)
            {
                // SIGKILL ends a stopped (SIGSTOP) process too.
                instance.Dispose();
            }
        }

        await Emulator.DisposeAsync();
        await Redis.DisposeAsync();
        _temp.Dispose();
    }

    public string Output(int index) => _instances[index]?.Output ?? "";

    /// <summary>Every instance's output, for a failure message.</summary>
    public string Outputs() => string.Join("\n", Enumerable.Range(0, Size).Select(i => $"--- {InstanceId(i)}:\n{Output(i)}"));

    private void Signal(int index, string signal) => SignalProcess(this[index].Id, signal);

    private static void SignalProcess(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(10_000);
    }

    private static string ApiAssembly()
    {
        // As BridgeProcess finds it: the program is built beside the tests, in the same configuration.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(Repository.Root(), "NymBridge.Api", "bin", testBin.Parent!.Name, testBin.Name, BridgeProcess.ApiAssemblyFileName);
    }
}

/// <summary>What an instance's <c>/status</c> says about the cluster.</summary>
internal sealed record ClusterView(string InstanceId, string Role, string? Leader, long? Term, string? Epoch, bool NymConnected);

/// <summary>Small HTTP helpers the cluster tests share.</summary>
internal static class ClusterHttp
{
    public static async Task<HttpResponseMessage> SendTextAsync(this BridgeProcess instance, string recipient, string message, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/send") { Content = JsonContent.Create(new { recipient, message }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await instance.Client.SendAsync(request).DefaultTimeout();
    }

    public static bool IsUnavailable(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.ServiceUnavailable;
}
