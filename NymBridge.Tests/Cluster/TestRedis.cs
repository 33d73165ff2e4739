using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using NymBridge.Api.Cluster;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// A private redis-server child process on a unix socket in a temporary folder (no TCP port, no persistence),
/// so tests never meet a system Redis on 6379 or each other.
/// </summary>
public sealed class TestRedis : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private TestRedis(Process process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    public string SocketPath => Path.Combine(_dir, "r.sock");

    /// <summary>The <c>Cluster:Redis</c> value for this server.</summary>
    public string Configuration => "!" + SocketPath;

    public static async Task<TestRedis> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("nymbridge-redis-").FullName;
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--port", "0", "--unixsocket", Path.Combine(dir, "r.sock"), "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", dir])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new TestRedis(process, dir);
        try
        {
            await redis.WaitForPingAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }

        return redis;
    }

    /// <summary>A connection of its own, as a separate instance would have.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = RedisConnection.Parse(Configuration);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = options.AsyncTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Pause() => Signal("-STOP");

    public void Resume() => Signal("-CONT");

    public void Kill()
    {
        Signal("-CONT");
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(10_000);
    }

    private async Task WaitForPingAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cts.Token);
                await socket.SendAsync("PING\r\n"u8.ToArray(), cts.Token);
                var buffer = new byte[16];
                var read = await socket.ReceiveAsync(buffer, cts.Token);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }

            if (_process.HasExited || deadline.Elapsed > timeout)
            {
                throw new InvalidOperationException($"redis-server did not answer PING within {timeout} (exited: {_process.HasExited}).");
            }

            await Task.Delay(20);
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
