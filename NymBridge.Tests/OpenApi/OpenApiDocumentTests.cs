namespace NymBridge.Tests.OpenApi;

public class OpenApiDocumentTests
{
    private const string RegenerateCommand = "NYMBRIDGE_UPDATE_OPENAPI=1 dotnet test --filter FullyQualifiedName~OpenApiDocumentTests";

    [Fact]
    public async Task The_committed_openapi_json_is_the_served_document()
    {
        await using var host = await BridgeHost.StartAsync();
        var served = (await host.Client.GetStringAsync("/swagger/v1/swagger.json")).ReplaceLineEndings("\n").TrimEnd() + "\n";
        var path = Path.Combine(Repository.Root(), "openapi.json");

        if (Environment.GetEnvironmentVariable("NYMBRIDGE_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "(missing)";
        Assert.True(committed == served, $"openapi.json differs from the served /swagger/v1/swagger.json. Regenerate it with: {RegenerateCommand}");
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        await using var host = await BridgeHost.StartAsync();

        var page = await host.Client.GetStringAsync("/swagger/index.html");

        Assert.Contains("swagger-ui", page, StringComparison.OrdinalIgnoreCase);
    }
}
