using NymBridge.Api.Hosting;

namespace NymBridge.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Version_is_the_projects_semver_and_the_commit()
    {
        using var output = new StringWriter();

        Assert.True(CommandLine.TryAnswer(["--version"], output));
        Assert.Matches(@"^nymbridge 0\.2\.0 \(commit ([0-9a-f]{7}|unknown)\)\r?\n$", output.ToString());
    }

    [Fact]
    public void Ordinary_arguments_start_the_bridge()
    {
        using var output = new StringWriter();

        Assert.False(CommandLine.TryAnswer(["--emulator", "--urls=http://127.0.0.1:0"], output));
        Assert.Empty(output.ToString());
    }
}
