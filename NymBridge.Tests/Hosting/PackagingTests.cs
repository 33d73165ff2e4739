using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NymBridge.Tests.Hosting;

/// <summary>
/// The built artifact is the product: the publish output and the .NET tool, started as a user would, from
/// a folder that is not theirs, with a HOME of their own.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class PackagingTests(PublishedApp published) : IClassFixture<PublishedApp>
{

    [Fact]
    public async Task The_published_app_started_from_another_folder_serves_its_page_and_swagger_reads_its_appsettings_and_keeps_a_private_inbox()
    {
        // A setting only the published appsettings.json carries: a payload limit that a send can run into.
        var settingsPath = Path.Combine(published.Directory, "appsettings.json");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(settingsPath))!.AsObject();
        settings["Bridge"] = new JsonObject { ["MaxMessageBytes"] = 1000 };
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());
        using var temp = new TempDirectory();
        var cwd = Directory.CreateDirectory(Path.Combine(temp.Path, "elsewhere")).FullName;
        var dataHome = Path.Combine(temp.Path, "xdg-data");
        var environment = new Dictionary<string, string> { ["HOME"] = Path.Combine(temp.Path, "home"), ["XDG_DATA_HOME"] = dataHome };

        using var bridge = BridgeProcess.Start("dotnet", [published.Dll], cwd, ["--emulator"], environment);
        await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart);

        var page = await bridge.Client.GetAsync("/");
        var script = await bridge.Client.GetAsync("/app.js");
        var swagger = await bridge.Client.GetAsync("/swagger/index.html");
        var document = await bridge.Client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var self = (await bridge.Client.GetFromJsonAsync<JsonElement>("/self-address")).GetProperty("address").GetString();
        var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self, message = "hello from elsewhere" });
        var tooBig = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self, message = new string('x', 1001) });
        var back = await bridge.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
        // The XML comments beside the program are read: schemas carry their descriptions.
        Assert.Contains("\"description\"", document.GetProperty("components").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("hello from elsewhere", back.GetProperty("messages")[0].GetProperty("message").GetString());

        // The inbox is under XDG_DATA_HOME/nymbridge, private to the user, and nothing is written where it was started.
        var dataDirectory = Path.Combine(dataHome, "nymbridge");
        var database = Path.Combine(dataDirectory, "inbox.db");
        Assert.Contains($"Data directory: {dataDirectory}", bridge.Output, StringComparison.Ordinal);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(dataDirectory));
        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
        {
            Assert.True(File.Exists(file), $"{file} missing");
            Assert.Equal(PrivateFile, File.GetUnixFileMode(file));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd));
        Assert.DoesNotContain("WebRootPath was not found", bridge.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(published.Directory, "package.json")), "package.json is in the publish output");
        Assert.False(File.Exists(Path.Combine(published.Directory, "package-lock.json")), "package-lock.json is in the publish output");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_the_main_options_and_where_the_rest_is_documented_and_exits_0_without_starting(string option)
    {
        using var temp = new TempDirectory();

        var (exitCode, output) = await BridgeProcess.RunAsync("dotnet", [published.Dll, option], temp.Path, TestTimeout.ProcessStart);

        Assert.Equal(0, exitCode);
        foreach (var expected in new[] { "Usage: nymbridge", "--emulator", "--urls", "--Nym:ClientUrl", "--Bridge:ApiKey", "--Bridge:DataDirectory", "--webhook URL", "README.md, section Configuration", "/swagger" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(BridgeProcess.DataHome(temp.Path)), "--help created a data directory");
    }

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_and_runs_with_its_version_and_on_the_emulator()
    {
        using var temp = new TempDirectory();
        var packages = Path.Combine(temp.Path, "packages");
        var tools = Path.Combine(temp.Path, "tools");
        // Only the folder the package was packed into, and a NuGet cache of its own: no registry, and never a stale copy.
        var config = Path.Combine(temp.Path, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="packed" value="{packages}" /></packageSources></configuration>
            """);

        var pack = await published.Sdk(["pack", PublishedApp.ProjectPath, "-c", PublishedApp.Configuration, "--no-build", "-o", packages]);
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack.Output}");
        Assert.True(File.Exists(Path.Combine(packages, "NymBridge.0.2.0.nupkg")), pack.Output);
        var install = await BridgeProcess.RunAsync(
            "dotnet", ["tool", "install", "NymBridge", "--version", "0.2.0", "--tool-path", tools, "--configfile", config],
            temp.Path, TestTimeout.Tool, new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(temp.Path, "nuget-cache") }, isolateHome: false);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed:\n{install.Output}");
        var command = Path.Combine(tools, "nymbridge");

        var version = await BridgeProcess.RunAsync(command, ["--version"], temp.Path, TestTimeout.ProcessStart);
        using var bridge = BridgeProcess.Start(command, [], temp.Path, ["--emulator"]);
        await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        var self = (await bridge.Client.GetFromJsonAsync<JsonElement>("/self-address")).GetProperty("address").GetString();
        var sent = await bridge.Client.PostAsJsonAsync("/send", new { recipient = self, message = "hello from the tool" });
        var back = await bridge.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");
        var page = await bridge.Client.GetAsync("/");

        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^nymbridge 0\.2\.0 \(commit ([0-9a-f]{7}|unknown)\)\s*$", version.Output);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal("hello from the tool", back.GetProperty("messages")[0].GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
