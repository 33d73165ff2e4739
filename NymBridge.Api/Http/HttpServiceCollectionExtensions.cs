using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>The validated <see cref="BridgeOptions"/>, JSON as the API writes it, and problem details with a detail that says what to do.</summary>
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
}
