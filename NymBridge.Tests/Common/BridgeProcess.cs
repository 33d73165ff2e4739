using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NymBridge.Tests.Common;

/// <summary>The real bridge program as a child process, as a user starts it.</summary>
internal sealed class BridgeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _printed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BridgeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>The process id, for signals a test sends itself (SIGSTOP, SIGCONT).</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The build output of the program (<c>dotnet nymbridge.dll</c>), started in <paramref name="workingDirectory"/>.</summary>
    public static BridgeProcess Start(string workingDirectory, params string[] arguments) =>
        Start("dotnet", [ApiAssemblyPath()], workingDirectory, arguments);

    /// <summary>As <see cref="Start(string, string[])"/>, with environment variables of its own.</summary>
    public static BridgeProcess Start(string workingDirectory, IDictionary<string, string> environment, params string[] arguments) =>
        Start("dotnet", [ApiAssemblyPath()], workingDirectory, arguments, environment);

    /// <summary>
    /// A program (dotnet and a dll, or an executable) started as a user would, on a free loopback port, with
    /// HOME and XDG_DATA_HOME under <paramref name="workingDirectory"/> (unless <paramref name="environment"/>
    /// says otherwise), so its default data directory is never the real user's.
    /// </summary>
    public static BridgeProcess Start(
        string fileName, IEnumerable<string> programArguments, string workingDirectory, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, int? port = null)
    {
        port ??= FreePort();
        var start = StartInfo(fileName, workingDirectory, environment);
        foreach (var argument in programArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var bridge = new BridgeProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => bridge.Append(e.Data);
        process.ErrorDataReceived += (_, e) => bridge.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bridge;
    }

    /// <summary>Runs a command to its end (a publish, <c>--help</c>) and returns its exit code and output; killed after <paramref name="timeout"/>.</summary>
    /// <param name="isolateHome">False for the SDK's own commands, which need the real NuGet cache under HOME.</param>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IDictionary<string, string>? environment = null, bool isolateHome = true)
    {
        var start = StartInfo(fileName, workingDirectory, environment, isolateHome);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var gate = new Lock();
        process.OutputDataReceived += (_, e) => { lock (gate) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (gate) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output}");
        }

        lock (gate)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>Where <see cref="Start(string, string[])"/> points XDG_DATA_HOME, so the default data directory is this plus <c>nymbridge</c>.</summary>
    public static string DataHome(string workingDirectory) => Path.Combine(workingDirectory, ".xdg-data");

    private static ProcessStartInfo StartInfo(string fileName, string workingDirectory, IDictionary<string, string>? environment, bool isolateHome = true)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (isolateHome)
        {
            start.Environment["HOME"] = Path.Combine(workingDirectory, ".home");
            start.Environment["XDG_DATA_HOME"] = DataHome(workingDirectory);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>Waits for <c>/health/ready</c>: the program is up and connected to nym-client.</summary>
    /// <param name="timeout">How long the program has.</param>
    /// <param name="through">Another of the program's endpoints to ask (HTTPS, say); by default <see cref="Client"/>.</param>
    /// <remarks>
    /// Polled: a child process tells nobody when it is ready. Kestrel binds its endpoints one after another and each starts
    /// accepting as it is bound, so one endpoint answering says nothing about the next.
    /// </remarks>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, HttpClient? through = null)
    {
        var client = through ?? Client;
        try
        {
            await Eventually.WaitUntilAsync(
                async () =>
                {
                    Assert.False(_process.HasExited, $"the bridge exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Output}");
                    try
                    {
                        return (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false; // not listening yet
                    }
                },
                "the bridge is ready",
                timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Output}", e);
        }
    }

    /// <summary>Waits for <paramref name="text"/> in the output, looking again at each line printed and at the exit.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        try
        {
            await Eventually.WaitUntilAsync(
                () =>
                {
                    var printed = Output.Contains(text, StringComparison.Ordinal);
                    Assert.False(!printed && _process.HasExited, $"the bridge exited before printing '{text}':\n{Output}");
                    return printed;
                },
                () => Task.WhenAny(Volatile.Read(ref _printed).Task, _process.WaitForExitAsync()),
                $"'{text}' is printed",
                timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Output}", e);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: the graceful shutdown a service manager asks for.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no graceful shutdown, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        Client.Dispose();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
        }

        Interlocked.Exchange(ref _printed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>nymbridge.dll</c>: the program's assembly, named after the command.</summary>
    public static string ApiAssemblyFileName => $"{typeof(Program).Assembly.GetName().Name}.dll";

    public static string ApiAssemblyPath()
    {
        // The test binaries sit in NymBridge.Tests/bin/<Configuration>/net10.0; the program is built beside them.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var path = Path.Combine(Repository.Root(), "NymBridge.Api", "bin", configuration, testBin.Name, ApiAssemblyFileName);
        Assert.True(File.Exists(path), $"{path} not found: build the solution first");
        return path;
    }
}
