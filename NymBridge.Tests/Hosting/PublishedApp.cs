
namespace NymBridge.Tests.Hosting;

/// <summary>
/// One <c>dotnet publish</c> of the program into a temporary folder, shared by the tests of a class.
/// It publishes the build the tests run against (same configuration, <c>--no-build</c>): the artifact a
/// user gets, without a second build of the solution inside the test run.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public string Root { get; } = System.IO.Directory.CreateTempSubdirectory("nymbridge-publish-").FullName;

    /// <summary>The publish output: nymbridge.dll, appsettings.json, wwwroot/.</summary>
    public string Directory => Path.Combine(Root, "publish");

    public string Dll => Path.Combine(Directory, BridgeProcess.ApiAssemblyFileName);

    /// <summary>The configuration the tests were built in (Debug or Release), read from their own output folder.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string ProjectPath => Path.Combine(Repository.Root(), "NymBridge.Api", "NymBridge.Api.csproj");

    public async Task InitializeAsync()
    {
        var (exitCode, output) = await Sdk(["publish", ProjectPath, "-c", Configuration, "--no-build", "-o", Directory]);
        Assert.True(exitCode == 0, $"dotnet publish failed:\n{output}");
    }

    /// <summary>
    /// A dotnet SDK command, without build servers: an MSBuild node or compiler server left running would
    /// keep this process's output pipes open, and the command would never seem to end.
    /// </summary>
    public Task<(int ExitCode, string Output)> Sdk(IEnumerable<string> arguments) =>
        BridgeProcess.RunAsync("dotnet", [.. arguments, "--nologo", "--disable-build-servers"], Root, TestTimeout.Tool, isolateHome: false);

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}
