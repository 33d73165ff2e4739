
namespace NymBridge.Tests.Security;

/// <summary>The real program refuses an open network port without a key, and a bad configuration with every error at once.</summary>
public class StartupSecurityTests
{
    [Fact]
    public async Task Listening_on_a_non_loopback_address_without_a_key_refuses_to_start_and_says_what_to_set()
    {
        using var temp = new TempDirectory();
        using var bridge = BridgeProcess.Start(temp.Path, "--urls=http://0.0.0.0:0", "--Inbox:Store=Memory");

        var exitCode = await bridge.WaitForExitAsync(TestTimeout.ProcessStart);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Bridge:ApiKey", bridge.Output, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", bridge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_ports_from_the_environment_without_a_key_refuse_to_start_and_say_what_to_set()
    {
        using var temp = new TempDirectory();
        using var bridge = BridgeProcess.Start(temp.Path, new Dictionary<string, string> { ["ASPNETCORE_HTTPS_PORTS"] = "443" }, "--Inbox:Store=Memory");

        var exitCode = await bridge.WaitForExitAsync(TestTimeout.ProcessStart);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("https://*:443", bridge.Output, StringComparison.Ordinal);
        Assert.Contains("Bridge:ApiKey", bridge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_key_it_starts_on_a_non_loopback_address()
    {
        using var temp = new TempDirectory();
        using var bridge = BridgeProcess.Start(temp.Path, "--urls=http://0.0.0.0:0", "--Bridge:ApiKey=some-long-key", "--Inbox:Store=Memory", "--emulator");

        await bridge.WaitForOutputAsync("Self address:", TestTimeout.ProcessStart);
    }

    [Fact]
    public async Task Several_bad_values_refuse_to_start_with_every_error_in_the_output()
    {
        using var temp = new TempDirectory();
        using var bridge = BridgeProcess.Start(
            temp.Path, "--Inbox:Store=Memory", "--Nym:ReconnectMinDelay=00:00:05", "--Nym:ReconnectMaxDelay=00:00:01",
            "--Nym:ClientUrl=http://127.0.0.1:1977", "--Bridge:RateLimit:PermitsPerSecond=-1", "--Bridge:Cors:Origins:0=https://app.example/");

        var exitCode = await bridge.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        foreach (var error in new[] { "Nym:ReconnectMinDelay", "Nym:ClientUrl", "Bridge:RateLimit:PermitsPerSecond", "Bridge:Cors:Origins:0" })
        {
            Assert.Contains(error, bridge.Output, StringComparison.Ordinal);
        }
    }
}
