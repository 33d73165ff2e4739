using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace NymBridge.Tests.Hosting;

/// <summary>
/// HTTPS as README's "HTTPS and listen addresses" shows it: a PEM certificate and key in <c>Kestrel:Endpoints</c>. The
/// program starts from the slim builder, which has no HTTPS configuration of its own, so this is what proves it is back.
/// </summary>
public class HttpsProcessTests
{
    [Fact]
    public async Task The_real_program_serves_https_from_a_pem_certificate_in_kestrel_endpoints()
    {
        using var temp = new TempDirectory();
        using var certificate = SelfSigned();
        var certPath = Path.Combine(temp.Path, "cert.pem");
        var keyPath = Path.Combine(temp.Path, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var httpPort = BridgeProcess.FreePort();
        var httpsPort = BridgeProcess.FreePort();
        while (httpsPort == httpPort)
        {
            httpsPort = BridgeProcess.FreePort(); // both were free when asked, and may be the same port
        }

        using var bridge = BridgeProcess.Start("dotnet", [BridgeProcess.ApiAssemblyPath()], temp.Path,
        [
            "--emulator",
            $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}",
            $"--Kestrel:Endpoints:Https:Url=https://127.0.0.1:{httpsPort}",
            $"--Kestrel:Endpoints:Https:Certificate:Path={certPath}",
            $"--Kestrel:Endpoints:Https:Certificate:KeyPath={keyPath}",
        ], port: httpPort);
        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            presented = cert is null ? null : new X509Certificate2(cert);
            return presented?.Thumbprint == certificate.Thumbprint;
        };
        using var https = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{httpsPort}") };
        await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart, through: https);
        var self = await https.GetFromJsonAsync<JsonElement>(new Uri("/self-address", UriKind.Relative));

        Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);
        Assert.False(string.IsNullOrEmpty(self.GetProperty("address").GetString()));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
