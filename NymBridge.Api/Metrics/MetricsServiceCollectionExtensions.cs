using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace NymBridge.Api.Metrics;

/// <summary>
/// OpenTelemetry metrics: the bridge's meters (<see cref="BridgeMetrics"/> and any other meter named
/// <c>NymBridge.*</c>) plus ASP.NET Core's, Kestrel's, SignalR's and the runtime's built-in ones, served
/// for Prometheus at <c>GET /metrics</c> (<see cref="MetricsEndpoints"/>) and pushed over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// <c>Bridge:Metrics:Enabled=false</c> registers none of it: no listener, so every instrument stays off.
/// </summary>
public static class MetricsServiceCollectionExtensions
{
    // Built into .NET 10 and ASP.NET Core 10: no instrumentation package needed. Their labels are
    // route templates, methods, status codes, listen endpoints and transports, never a URL's query.
    private static readonly string[] PlatformMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "System.Runtime",
    ];

    public static IServiceCollection AddBridgeMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Always there: the features record into it; without a listener a record is a no-op.
        services.AddSingleton<BridgeMetrics>();
        // Read raw, before the host is built, like the API key's: it decides whether OpenTelemetry is registered at
        // all, and a registration cannot wait for IOptions. Nothing else here reads BridgeOptions.
        if (!BridgeOptions.From(configuration).Metrics.Enabled)
        {
            return services;
        }

        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) => metrics.AddView(OnlyThisHost(provider.GetRequiredService<IMeterFactory>())));
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics
                .ConfigureResource(resource =>
                {
                    if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
                    {
                        resource.AddService("nymbridge");
                    }
                })
                // The wildcard also takes meters of features that bring their own (NymBridge.Webhooks).
                .AddMeter([BridgeMetrics.MeterName + "*", .. PlatformMeters])
                // Exemplars would attach trace ids and measurement attributes to samples; set in code, this
                // also wins over OTEL_METRICS_EXEMPLAR_FILTER.
                .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
                .AddPrometheusExporter(o =>
                {
                    // Each scrape collects afresh: the default 300 ms cache would answer a scrape right
                    // after a send with counts from before it.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                });

            if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
            {
                AddOtlpExporter(metrics);
            }
        });

        return services;
    }

    /// <summary>
    /// Reads the standard <c>OTEL_EXPORTER_OTLP_*</c> settings (endpoint, protocol, headers) and <c>OTEL_METRIC_EXPORT_INTERVAL</c>.
    /// </summary>
    /// <remarks>
    /// A method of its own, never inlined: the JIT loads the assembly of every method a method calls when it compiles it,
    /// so written inline above, the OTLP exporter (and its gRPC and protobuf code) was loaded into every bridge, pushing or not.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOtlpExporter(MeterProviderBuilder metrics) => metrics.AddOtlpExporter();

    /// <summary>
    /// Meters made by another host's <see cref="IMeterFactory"/> in the same process (the in-process
    /// emulator of <c>--emulator</c>, or several bridges in one test run) share our meter names; OpenTelemetry
    /// matches meters by name only, so without this their counts would be added to ours.
    /// </summary>
    /// <remarks>
    /// Also caps each stream at <see cref="CardinalityLimit"/> label sets (OpenTelemetry's default is 2,000): a stream
    /// allocates its whole table when its instrument first records, about 144 KB at 2,000, and the ~40 streams here
    /// never have more than a few dozen label sets (routes × methods × status codes is the largest). Label sets past
    /// the limit are counted under <c>otel.metric.overflow=true</c>, not lost.
    /// </remarks>
    private static Func<Instrument, MetricStreamConfiguration?> OnlyThisHost(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory other && !ReferenceEquals(other, own) ? MetricStreamConfiguration.Drop : Capped;

    /// <summary>Label sets kept per metric stream.</summary>
    public const int CardinalityLimit = 256;

    private static readonly MetricStreamConfiguration Capped = new() { CardinalityLimit = CardinalityLimit };
}
