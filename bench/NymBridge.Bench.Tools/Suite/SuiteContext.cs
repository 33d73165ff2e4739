using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>Paths, the report, and how the suite starts the processes of a section (each recorded as an exact command).</summary>
internal sealed class SuiteContext(string repo, string work, bool quick, Report report) : IDisposable
{
    public string Repo { get; } = repo;
    public string Work { get; } = work;
    public string Logs => Path.Combine(Work, "logs");
    public bool Quick { get; } = quick;
    public Report Report { get; } = report;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string BridgeDll => Path.Combine(Repo, "NymBridge.Api/bin/Release/net10.0/nymbridge.dll");
    public string ToolsDll => Path.Combine(Repo, "bench/NymBridge.Bench.Tools/bin/Release/net10.0/NymBridge.Bench.Tools.dll");
    public string CodecDll => Path.Combine(Repo, "bench/NymBridge.Bench.Codec/bin/Release/net10.0/NymBridge.Bench.Codec.dll");

    /// <summary>A duration, shortened in <c>--quick</c> smoke runs.</summary>
    public double Seconds(double full) => Quick ? Math.Max(1, full / 5) : full;

    public int Count(int full) => Quick ? Math.Max(1, full / 10) : full;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a process and records its command line (paths relative to the repository) in <paramref name="section"/>.</summary>
    /// <summary>
    /// The tools run in <see cref="Work"/>, where the stores' files are, and an ASP.NET Core host watches its content
    /// root recursively to reload appsettings.json: every SQLite WAL or Redis AOF write became an inotify event for the
    /// emulator and the receiver to handle (30% of a core for the emulator while a webhook run wrote its state;
    /// bench/NOTES.md, 2026-12-02 17:00). The tools read no appsettings.json: no watching.
    /// </summary>
    private static readonly Dictionary<string, string> ToolEnvironment = new() { ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false" };

    public ChildProcess Start(ReportSection section, string name, string file, IReadOnlyList<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = string.Concat(environment?.Select(e => $"{e.Key}={e.Value} ") ?? []);
        section.Command((workingDirectory is null ? "" : $"(cd {Display(workingDirectory, [])} && ") + env + Display(file, args) + (workingDirectory is null ? "" : ")"));
        return ChildProcess.Start(name, file, args, workingDirectory ?? Work, Logs, environment);
    }

    public ChildProcess StartTool(ReportSection section, string name, params string[] args) =>
        Start(section, name, "dotnet", [ToolsDll, .. args], environment: ToolEnvironment);

    public async Task<Emulator> StartEmulatorAsync(ReportSection section, string name, params string[] extraArgs)
    {
        var port = FreePort();
        var control = FreePort();
        var process = StartTool(section, name, ["emulator", "--port", Inv(port), "--control-port", Inv(control), .. extraArgs]);
        var emulator = new Emulator(process, port, new Uri($"http://127.0.0.1:{control}/"));
        await WaitUntilAsync(() => IsListeningAsync(new Uri(emulator.Control, "/connected")), TimeSpan.FromSeconds(60), $"{name} to listen", process);
        return emulator;
    }

    /// <summary>
    /// The bridge as a user runs it (Release build, its own process), pointed at an emulator process; a SQLite store
    /// lives in <c>$WORK/<paramref name="database"/>/inbox.db</c> (default: the bridge's name).
    /// </summary>
    public async Task<Bridge> StartBridgeAsync(ReportSection section, string name, Emulator emulator, string store, IReadOnlyList<string>? extraArgs = null, string? database = null, int? port = null)
    {
        port ??= FreePort();
        var args = new List<string>
        {
            "nymbridge.dll", $"--urls=http://127.0.0.1:{port}", $"--Nym:ClientUrl=ws://127.0.0.1:{emulator.Port}/", $"--Inbox:Store={store}",
        };
        if (store == "Sqlite")
        {
            var db = Path.Combine(Work, database ?? name, "inbox.db");
            Directory.CreateDirectory(Path.GetDirectoryName(db)!);
            args.Add($"--Inbox:Path={db}");
        }

        args.AddRange(extraArgs ?? []);

        // From its own directory, as a user runs it (its content root is that directory from wherever it starts).
        var process = Start(section, name, "dotnet", args, Path.GetDirectoryName(BridgeDll));
        var bridge = new Bridge(process, new Uri($"http://127.0.0.1:{port}/"));
        await WaitUntilAsync(async () => (await TryGetAsync(new Uri(bridge.Url, "/health/ready"))) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"{name} to be ready", process);
        return bridge;
    }

    public async Task<ChildProcess> StartBaselineAsync(ReportSection section, int port)
    {
        var process = StartTool(section, "baseline", "baseline", "--port", Inv(port));
        await WaitUntilAsync(async () => (await TryGetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"))) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "baseline to listen", process);
        return process;
    }

    /// <summary>Runs a load command to its end and returns its RESULT.</summary>
    public Task<JsonElement> RunToolAsync(ReportSection section, string name, TimeSpan timeout, params string[] args) =>
        ResultOfAsync(StartTool(section, name, args), timeout);

    /// <summary>Runs a load command on <paramref name="cpus"/> (a <c>taskset</c> CPU list) to its end and returns its RESULT.</summary>
    public Task<JsonElement> RunPinnedToolAsync(ReportSection section, string name, TimeSpan timeout, string cpus, params string[] args) =>
        ResultOfAsync(Start(section, name, "taskset", ["-c", cpus, "dotnet", ToolsDll, .. args], environment: ToolEnvironment), timeout);

    private static async Task<JsonElement> ResultOfAsync(ChildProcess started, TimeSpan timeout)
    {
        await using var process = started;
        var result = await process.ResultAsync(timeout);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return result;
    }

    /// <param name="cpus">A <c>taskset</c> CPU list to run wrk on (null: wherever the scheduler puts it).</param>
    public async Task<WrkResult> RunWrkAsync(ReportSection section, string name, Uri url, string bodyFile, string contentType, double seconds, int connections = 64,
        string? cpus = null)
    {
        var args = new List<string>
        {
            "-t2", $"-c{connections}", $"-d{Inv(seconds)}s", "--latency", "-s", Path.Combine(Repo, "bench/wrk/post.lua"), url.ToString(),
            "--", bodyFile, contentType,
        };
        var childrenBefore = ChildrenCpu.Seconds();
        await using var process = cpus is null ? Start(section, name, "wrk", args) : Start(section, name, "taskset", ["-c", cpus, "wrk", .. args]);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(seconds + 30));
        if (code != 0)
        {
            throw new InvalidOperationException($"wrk exited with {code}:\n{process.Output}");
        }

        return WrkResult.Parse(process.Output) with { CpuSeconds = ChildrenCpu.Seconds() - childrenBefore };
    }

    /// <summary>
    /// Moves every thread of a running process to <paramref name="cpus"/> (<c>taskset -a -p</c>); the threads it starts later
    /// inherit that. Its runtime still believes it has the cores it saw at start (thread pool, GC), as when an operator pins it.
    /// </summary>
    public async Task PinAsync(ReportSection section, string name, int pid, string cpus)
    {
        await using var process = Start(section, $"taskset-{name}", "taskset", ["-a", "-p", "-c", cpus, Inv(pid)]);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        if (code != 0)
        {
            throw new InvalidOperationException($"taskset exited with {code}:\n{process.Output}");
        }
    }

    public static string Inv(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    public void Dispose() => Http.Dispose();

    private readonly List<(string Secret, string Shown)> _redactions = [];

    /// <summary>Shows <paramref name="secret"/> as <paramref name="shown"/> in every recorded command (a webhook secret is never printed).</summary>
    public void Redact(string secret, string shown) => _redactions.Add((secret, shown));

    private string Display(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(a => _redactions.Aggregate(
            a.Replace(Repo + "/", "", StringComparison.Ordinal).Replace(Work, "$WORK", StringComparison.Ordinal),
            (text, r) => text.Replace(r.Secret, r.Shown, StringComparison.Ordinal))));

    private async Task<bool> IsListeningAsync(Uri url) => await TryGetAsync(url) is not null;

    private async Task<HttpStatusCode?> TryGetAsync(Uri url)
    {
        try
        {
            using var response = await Http.GetAsync(url);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ChildProcess? process = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.\n{process?.Output}");
            }

            await Task.Delay(100);
        }
    }
}

internal sealed record Emulator(ChildProcess Process, int Port, Uri Control) : IAsyncDisposable
{
    public Uri WebSocket => new($"ws://127.0.0.1:{Port}/");

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

internal sealed record Bridge(ChildProcess Process, Uri Url) : IAsyncDisposable
{
    public int Pid => Process.Pid;

    public (long Rss, long Peak) Memory() => Measure.Memory(Pid);

    public double CpuSeconds() => Measure.CpuSeconds(Pid);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
