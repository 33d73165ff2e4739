using System.ComponentModel.DataAnnotations;

namespace NymBridge.Api;

/// <summary>The <c>Bridge</c> configuration section: the HTTP side.</summary>
public sealed class BridgeOptions
{
    public const string Section = "Bridge";

    /// <summary>For start-up decisions taken before the options system exists (what to register, where to listen).</summary>
    public static BridgeOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<BridgeOptions>() ?? new BridgeOptions();

    /// <summary>Largest payload a send accepts (nym-client's own websocket takes up to 64 MiB per message).</summary>
    [Range(1, 64 * 1024 * 1024 - 1024)]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>When set, every endpoint but /health/* requires it (Bearer, X-Api-Key, or access_token for SignalR).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Lets the bridge listen on a non-loopback address without <see cref="ApiKey"/>: only when something else guards the port.</summary>
    public bool AllowUnauthenticatedRemote { get; set; }

    /// <summary>
    /// How long a graceful stop (SIGTERM, Ctrl+C) may take: queued sends are written, waiting readers answered
    /// and the inbox flushed within it. Sets the host's <see cref="HostOptions.ShutdownTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "Bridge:ShutdownTimeout must be positive and at most a day, e.g. 00:00:10.")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public CorsOptions Cors { get; set; } = new();

    public RateLimitOptions RateLimit { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();

    public sealed class CorsOptions
    {
        /// <summary>Browser origins allowed besides the bridge's own.</summary>
        public string[] Origins { get; set; } = [];
    }

    public sealed class RateLimitOptions
    {
        public const int MaxPermitsPerSecond = 1_000_000;

        /// <summary>Requests per second per client address; unset or 0 = no limit.</summary>
        [Range(0, MaxPermitsPerSecond)]
        public int? PermitsPerSecond { get; set; }
    }

    public sealed class MetricsOptions
    {
        /// <summary>Serve <c>GET /metrics</c> (and export OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set); false registers no meter listener at all.</summary>
        public bool Enabled { get; set; } = true;
    }
}
