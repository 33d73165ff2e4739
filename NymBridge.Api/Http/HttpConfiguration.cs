using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Http;

public static class HttpConfiguration
{
    public const string DefaultUrl = "http://127.0.0.1:5977";

    /// <summary>
    /// <c>--emulator</c> is a shortcut for <c>--Nym:Emulator=true</c>; <c>--webhook URL</c> (or <c>--webhook=URL</c>) for an
    /// endpoint named <c>default</c> with that URL and a secret generated once and kept (see GeneratedWebhookSecrets).
    /// </summary>
    public static string[] ExpandShortcuts(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var expanded = new List<string>(args.Length + 1);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string? webhook = a == "--webhook" && i + 1 < args.Length ? args[++i]
                : a.StartsWith("--webhook=", StringComparison.Ordinal) ? a["--webhook=".Length..]
                : null;
            if (webhook is not null)
            {
                expanded.Add($"--Webhooks:Endpoints:default:Url={webhook}");
                expanded.Add($"--Webhooks:Endpoints:default:Secret={Webhooks.WebhookEndpointOptions.GeneratedSecret}");
                continue;
            }

            expanded.Add(a == "--emulator" ? "--Nym:Emulator=true" : a);
        }

        return [.. expanded];
    }

    /// <summary>
    /// Loopback on 5977 unless a standard listen setting is given (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
    /// <c>http_ports</c>, <c>https_ports</c>, Kestrel endpoints; see <see cref="ListenAddresses"/>).
    /// </summary>
    public static WebApplicationBuilder UseDefaultListenAddress(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!ListenAddresses.AnyConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    public static IServiceCollection AddBridgeHttp(this IServiceCollection services)
    {
        services.AddOptions<BridgeOptions>().BindConfiguration(BridgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BridgeOptions>, BridgeOptionsValidator>());
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (string.IsNullOrEmpty(problem.Detail))
            {
                problem.Detail = problem.Status switch
                {
                    StatusCodes.Status404NotFound => $"Nothing is at {context.HttpContext.Request.Path}. The API is described at /swagger.",
                    StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}. The API is described at /swagger.",
                    >= 500 => "The bridge failed to handle this request; it keeps serving. Try again, and report it if it persists.",
                    _ => "The request could not be handled. The API is described at /swagger.",
                };
            }
        });
        return services;
    }

    public static WebApplication UseBridgeHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
