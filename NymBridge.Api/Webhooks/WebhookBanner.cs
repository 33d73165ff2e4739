using Microsoft.Extensions.Options;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Tells the person who started the bridge where it delivers, and the secret to verify with when the
/// bridge generated it. Console, never the log: logs never carry secrets.
/// </summary>
internal sealed class WebhookBanner(IHostApplicationLifetime lifetime, IOptions<WebhooksOptions> options, GeneratedWebhookSecrets secrets) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStarted.Register(Print);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void Print()
    {
        foreach (var (name, endpoint) in options.Value.Endpoints)
        {
            Console.WriteLine($"Webhook '{name}': POST {WebhookEndpoint.ShownUrl(new Uri(endpoint.Url!))}");
        }

        foreach (var (name, secret, file) in secrets.Generated)
        {
            Console.WriteLine($"Webhook '{name}' signing secret: {secret} (kept in {file})");
        }
    }
}
