using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Nym;

namespace NymBridge.Tests.Hosting;

/// <summary><c>--emulator</c> in a test host, as a user runs it: the built-in emulator is a hosted service of the app.</summary>
public sealed class EmulatorHostingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task With_the_emulator_setting_a_send_to_the_own_address_comes_back_in_messages()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Nym:Emulator", "true");
            builder.UseSetting("Inbox:Store", "Memory");
            builder.UseSetting("Bridge:DataDirectory", Path.Combine(Path.GetTempPath(), "nymbridge-tests-data"));
        });
        using var client = factory.CreateClient();
        var self = await factory.Services.GetRequiredService<INymConnection>().WaitForSelfAddressAsync(CancellationToken.None).WaitAsync(Timeout);

        var sent = await client.PostAsJsonAsync("/send", new { recipient = self.ToString(), message = "hello" }).WaitAsync(Timeout);
        var back = await client.GetFromJsonAsync<JsonElement>("/messages?wait=10").WaitAsync(Timeout);
        var status = await client.GetFromJsonAsync<JsonElement>("/status").WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal("hello", back.GetProperty("messages")[0].GetProperty("message").GetString());
        var clientUrl = new Uri(status.GetProperty("nymClient").GetProperty("clientUrl").GetString()!);
        Assert.True(clientUrl.IsLoopback && clientUrl.Port != 1977, $"connected to {clientUrl}, not the in-process emulator");
    }
}
