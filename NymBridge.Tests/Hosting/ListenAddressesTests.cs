using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NymBridge.Api.Http;
using NymBridge.Api.Security;

namespace NymBridge.Tests.Hosting;

/// <summary>The two start-up decisions on listen addresses: the loopback default, and the key required off loopback.</summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("--https_ports=8443", "https://*:8443")]
    [InlineData("--http_ports=8080;8081", "http://*:8080", "http://*:8081")]
    [InlineData("--urls=https://127.0.0.1:5978;http://[::1]:5977", "https://127.0.0.1:5978", "http://[::1]:5977")]
    [InlineData("--Kestrel:Endpoints:Tls:Url=https://0.0.0.0:443", "https://0.0.0.0:443")]
    public void Every_standard_listen_setting_is_listed(string argument, params string[] expected)
    {
        Assert.Equal(expected, ListenAddresses.Configured(Configuration(argument)));
    }

    [Theory]
    [InlineData("--https_ports=8443")]
    [InlineData("--http_ports=8080")]
    [InlineData("--urls=https://127.0.0.1:5978")]
    public void A_configured_address_replaces_the_loopback_default(string argument)
    {
        var builder = WebApplication.CreateBuilder([argument]);

        builder.UseDefaultListenAddress();

        Assert.NotEqual(HttpConfiguration.DefaultUrl, builder.Configuration["urls"]);
    }

    [Fact]
    public void Without_one_the_default_is_loopback_5977()
    {
        var builder = WebApplication.CreateBuilder([]);
        if (ListenAddresses.Configured(builder.Configuration).Count > 0)
        {
            return; // The machine's own ASPNETCORE_URLS or ports decide, as they should.
        }

        builder.UseDefaultListenAddress();

        Assert.Equal(HttpConfiguration.DefaultUrl, builder.Configuration["urls"]);
    }

    [Theory]
    [InlineData("--https_ports=443", "https://*:443")]
    [InlineData("--urls=https://0.0.0.0:8443", "https://0.0.0.0:8443")]
    [InlineData("--Kestrel:Endpoints:Tls:Url=https://192.0.2.1:443", "https://192.0.2.1:443")]
    public void Https_off_loopback_without_a_key_is_refused_like_http(string argument, string refused)
    {
        Assert.Equal([refused], StartupSecurity.RemoteAddressesWithoutKey(Configuration(argument)));
        Assert.Empty(StartupSecurity.RemoteAddressesWithoutKey(Configuration(argument, "--Bridge:ApiKey=long-random-key")));
        Assert.Empty(StartupSecurity.RemoteAddressesWithoutKey(Configuration(argument, "--Bridge:AllowUnauthenticatedRemote=true")));
    }

    [Theory]
    [InlineData("--urls=https://127.0.0.1:5978")]
    [InlineData("--urls=https://localhost:5978;http://[::1]:5977")]
    public void Https_on_loopback_needs_no_key(string argument)
    {
        Assert.Empty(StartupSecurity.RemoteAddressesWithoutKey(Configuration(argument)));
    }

    private static IConfiguration Configuration(params string[] args) => new ConfigurationBuilder().AddCommandLine(args).Build();
}
