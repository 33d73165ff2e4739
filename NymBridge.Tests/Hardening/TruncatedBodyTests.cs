using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NymBridge.Tests.Hardening;

/// <summary>A client that hangs up in the middle of its body, on real Kestrel sockets.</summary>
public class TruncatedBodyTests
{
    [Theory]
    [InlineData("application/json", "{\"recipient\":\"abc\",\"message\":\"")]
    [InlineData("application/octet-stream", "only part of it")]
    public async Task A_client_that_hangs_up_mid_body_is_not_an_error_and_sends_nothing(string contentType, string part)
    {
        var errors = new CapturingLoggerProvider(LogLevel.Error);
        await using var host = await BridgeHost.StartOnKestrelAsync(
            configure: builder => builder.ConfigureServices(services => services.AddLogging(l => l.AddProvider(errors))));
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(host.BaseAddress!.Host, host.BaseAddress.Port);
            var stream = tcp.GetStream();
            var path = contentType == "application/json" ? "/send" : "/send?recipient=abc";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: bridge\r\nContent-Type: {contentType}\r\nContent-Length: 1000\r\n\r\n{part}"));
            tcp.Client.Shutdown(SocketShutdown.Send);
            // Whatever the bridge does with the half-read request, it is done once it closes its side.
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer).DefaultTimeout() > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }

        // The bridge goes on serving, sent nothing, and did not log the client's hang-up as a failure.
        using var health = await host.Client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.True(health.IsSuccessStatusCode);
        Assert.Empty(host.SentFrames());
        Assert.Empty(errors.Lines);
    }
}
