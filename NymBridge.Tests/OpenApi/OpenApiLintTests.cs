using System.ComponentModel;
using System.Diagnostics;
using Xunit.Abstractions;

namespace NymBridge.Tests.OpenApi;

/// <summary>
/// The served document through Redocly's linter with its recommended rules, the way a user's tooling reads it:
/// no errors, in the default configuration (the committed openapi.json) and with a key and a rate limit (which
/// add security requirements, 401 and 429). Redocly comes from npm (tools/openapi-lint, lock file committed);
/// Node.js and npm are build prerequisites anyway (NymBridge.Api runs npm ci).
/// </summary>
public sealed class OpenApiLintTests(ITestOutputHelper output)
{
    private static readonly SemaphoreSlim Install = new(1, 1);

    [Theory]
    [InlineData("default")]
    [InlineData("with a key and a rate limit")]
    public async Task The_served_document_passes_redocly_lint_with_the_recommended_rules(string configuration)
    {
        var settings = configuration == "default"
            ? null
            : new Dictionary<string, string?> { ["Bridge:ApiKey"] = "lint-test-key", ["Bridge:RateLimit:PermitsPerSecond"] = "100" };
        await using var host = await BridgeHost.StartAsync(settings);
        var document = await host.Client.GetStringAsync("/swagger/v1/swagger.json").DefaultTimeout();
        var file = Path.Combine(Path.GetTempPath(), $"nymbridge-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var tool = Path.Combine(Repository.Root(), "tools", "openapi-lint");
            await EnsureInstalledAsync(tool);

            var (exit, text) = await RunAsync("npx", ["--no-install", "redocly", "lint", file, "--format=stylish"], tool);

            output.WriteLine(text);
            Assert.True(exit == 0, $"redocly lint found errors in the served document ({configuration}):\n{text}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>npm ci once per machine (again when the lock file changes): the tool is not part of the build.</summary>
    private async Task EnsureInstalledAsync(string tool)
    {
        await Install.WaitAsync(TestTimeout.Tool);
        try
        {
            var installed = Path.Combine(tool, "node_modules", ".package-lock.json");
            if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(Path.Combine(tool, "package-lock.json")))
            {
                return;
            }

            var (exit, text) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], tool);
            output.WriteLine(text);
            Assert.True(exit == 0, $"npm ci in {tool} failed:\n{text}");
        }
        finally
        {
            Install.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string command, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Nothing but the npm registry is reachable, and a lint run has no business calling home.
            Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" },
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{command} was not found ({e.Message}): this test needs Node.js 20 or later with npm, which building NymBridge.Api needs too.");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TestTimeout.Tool);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"{command} {string.Join(' ', arguments)} did not finish within {TestTimeout.Tool}.");
            }

            return (process.ExitCode, (await stdout) + (await stderr));
        }
    }
}
