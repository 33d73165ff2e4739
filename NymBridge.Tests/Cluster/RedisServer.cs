using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// A redis-server of the test's own, on a unix socket in a temp folder (never the system daemon on 6379):
/// AOF with fsync always, no RDB snapshots. Can be killed with SIGKILL and started again on the same socket,
/// with its AOF (a crash) or without it (a restart that lost everything).
/// </summary>
/// <remarks>As an xunit collection fixture one server serves every test of the collection; tests keep apart by key prefix.</remarks>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string[] _extraArguments;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private ConnectionMultiplexer? _connection;

    public RedisServer()
        : this([])
    {
    }

    private RedisServer(string[] extraArguments)
    {
        _extraArguments = extraArguments;
        Directory.CreateDirectory(DataDirectory);
    }

    /// <summary>Short: a unix socket path has at most 107 bytes.</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "nb-redis-" + Guid.NewGuid().ToString("N")[..12]);

    public string SocketPath => Path.Combine(DataDirectory, "r.sock");

    /// <summary>Starts a server of its own (not shared), with extra command-line settings such as <c>--appendfsync no</c>.</summary>
    public static async Task<RedisServer> StartAsync(params string[] extraArguments)
    {
        var server = new RedisServer(extraArguments);
        try
        {
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection for tests that need no connection of their own (open once started).</summary>
    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync() => await StartProcessAsync();

    /// <summary>The <c>Cluster:Redis</c> value for this server.</summary>
    public string Configuration => "!" + SocketPath;

    /// <summary>
    /// A connection as the bridge parses <see cref="Configuration"/>, with short timeouts: for tests that watch how
    /// the lease and the stores behave when Redis stops answering (<see cref="Pause"/>, <see cref="KillAsync"/>).
    /// </summary>
    public async Task<ConnectionMultiplexer> ConnectFailingFastAsync()
    {
        var options = NymBridge.Api.Cluster.RedisConnection.Parse(Configuration);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = options.AsyncTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGSTOP: the server keeps its socket and data but answers nothing, as a paused machine.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using var kill = Process.Start("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(10_000);
    }

    /// <summary>A client connection that reconnects quickly after a restart.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { new UnixDomainSocketEndPoint(SocketPath) },
            AbortOnConnectFail = false,
            ReconnectRetryPolicy = new LinearRetry(100),
            ConnectTimeout = 5_000,
            SyncTimeout = 10_000,
            AsyncTimeout = 10_000,
        };
        return await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(StartTimeout);
    }

    /// <summary>SIGKILL: no shutdown, no final fsync; the AOF holds what <c>appendfsync</c> had written.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(StartTimeout);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Kills the server and starts it again on the same socket.</summary>
    /// <param name="keepData">True: it loads its AOF (a crash and restart); false: it starts empty.</param>
    public async Task RestartAsync(bool keepData)
    {
        await KillAsync();
        if (!keepData)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(DataDirectory))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else if (!entry.EndsWith(".sock", StringComparison.Ordinal))
                {
                    File.Delete(entry);
                }
            }
        }

        await StartProcessAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }

        await KillAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    private static string FindExecutable()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "redis-server"))
            .Prepend("/usr/bin/redis-server");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "redis-server was not found (/usr/bin/redis-server or on PATH). The cluster tests start their own Redis 7: " +
                "install Debian's redis-server package (`apt-get install redis-server`; .ci/apt-packages lists it, so .ci/run installs it).");
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(FindExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", "0", "--unixsocket", SocketPath, "--unixsocketperm", "700", "--save", string.Empty,
                     "--appendonly", "yes", "--appendfsync", "always", "--dir", DataDirectory, "--daemonize", "no",
                 }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        lock (_output)
        {
            _output.Clear();
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var started = Stopwatch.StartNew();
        while (!await AnswersPingAsync())
        {
            if (process.HasExited || started.Elapsed > StartTimeout)
            {
                string output;
                lock (_output)
                {
                    output = _output.ToString();
                }

                throw new InvalidOperationException($"redis-server did not answer PING on {SocketPath} within {StartTimeout.TotalSeconds} s (exited: {process.HasExited}). Its output:\n{output}");
            }

            await Task.Delay(20);
        }

        _connection ??= await ConnectAsync();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Raw RESP over the socket: "+PONG" only once the server accepts commands (not while loading its AOF).</summary>
    private async Task<bool> AnswersPingAsync()
    {
        if (!File.Exists(SocketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), timeout.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>The tests that share one <see cref="RedisServer"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SharedRedis : ICollectionFixture<RedisServer>
{
    public const string Name = "Redis";
}
