using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NymBridge.Tests.Webhooks;

/// <summary>One of the service providers in <c>examples/</c>, run as a user runs it, on a port it picks itself.</summary>
internal sealed partial class ExampleProviderProcess : IDisposable
{
    private static readonly SemaphoreSlim NpmOnce = new(1, 1);
    private static string? _nodeDirectory;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExampleProviderProcess(Process process) => _process = process;

    public Uri Url { get; private set; } = null!;

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

    /// <summary>Starts <paramref name="example"/> (<c>python-echo</c> or <c>node-echo</c>) with the secret in <c>WEBHOOK_SECRET</c>.</summary>
    public static async Task<ExampleProviderProcess> StartAsync(string example, string secret)
    {
        var start = example switch
        {
            "python-echo" => new ProcessStartInfo("python3") { ArgumentList = { Path.Combine(ExamplesDirectory(), "python-echo", "provider.py"), "0" } },
            "node-echo" => new ProcessStartInfo("node") { ArgumentList = { Path.Combine(await NodeExampleAsync(), "provider.js"), "0" } },
            _ => throw new ArgumentOutOfRangeException(nameof(example), example, "no such example"),
        };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["WEBHOOK_SECRET"] = secret;
        start.Environment.Remove("PORT");

        var provider = new ExampleProviderProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        provider._process.OutputDataReceived += (_, e) => provider.Append(e.Data);
        provider._process.ErrorDataReceived += (_, e) => provider.Append(e.Data);
        provider._process.Exited += (_, _) => provider._listening.TrySetException(new InvalidOperationException($"{example} exited:\n{provider.Output}"));
        provider._process.Start();
        provider._process.BeginOutputReadLine();
        provider._process.BeginErrorReadLine();
        try
        {
            provider.Url = await provider._listening.Task.WaitAsync(TestTimeout.ProcessStart);
        }
        catch (TimeoutException)
        {
            provider.Dispose();
            throw new TimeoutException($"{example} did not say where it listens within {TestTimeout.ProcessStart}:\n{provider.Output}");
        }

        return provider;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

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

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri($"http://127.0.0.1:{int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)}/"));
        }
    }

    private static string ExamplesDirectory() => Path.Combine(Repository.Root(), "examples");

    /// <summary>
    /// The node example installed as its README says (<c>npm ci</c> from the committed lock file), in a copy so
    /// the test run leaves the checkout as it was; once per test run.
    /// </summary>
    private static async Task<string> NodeExampleAsync()
    {
        await NpmOnce.WaitAsync();
        try
        {
            if (_nodeDirectory is not null)
            {
                return _nodeDirectory;
            }

            var copy = Directory.CreateTempSubdirectory("nymbridge-node-echo-").FullName;
            foreach (var file in new[] { "package.json", "package-lock.json", "provider.js" })
            {
                File.Copy(Path.Combine(ExamplesDirectory(), "node-echo", file), Path.Combine(copy, file));
            }

            var npm = new ProcessStartInfo("npm")
            {
                WorkingDirectory = copy,
                ArgumentList = { "ci", "--no-audit", "--no-fund" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(npm)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TestTimeout.Tool);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"npm ci did not finish within {TestTimeout.Tool}");
            }

            Assert.True(process.ExitCode == 0, $"npm ci failed with {process.ExitCode}:\n{await stdout}\n{await stderr}");
            _nodeDirectory = copy;
            return copy;
        }
        finally
        {
            NpmOnce.Release();
        }
    }

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)/")]
    private static partial Regex ListeningLine();
}
