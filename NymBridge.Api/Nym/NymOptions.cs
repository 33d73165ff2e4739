using System.ComponentModel.DataAnnotations;

namespace NymBridge.Api.Nym;

/// <summary>The <c>Nym</c> configuration section: where nym-client is and how to hold its connection.</summary>
public sealed class NymOptions
{
    public const string Section = "Nym";

    [Required]
    public Uri ClientUrl { get; set; } = new("ws://127.0.0.1:1977");

    /// <summary>Run the built-in nym-client emulator in process and connect to it instead of <see cref="ClientUrl"/>.</summary>
    public bool Emulator { get; set; }

    [Range(0, uint.MaxValue)]
    public long MaxReplySurbs { get; set; } = 1000;

    /// <summary>nym-client holds the slot of a half-open attempt forever, so an attempt must give up on its own.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a websocket ping goes out; a nym-client that has not answered within <see cref="KeepAliveTimeout"/> is treated as gone.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a caller waits for an answer nym-client owes (SelfAddress, LaneQueueLength).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Outbound frames waiting for the writer; when full, sends are refused with 503 instead of queueing in memory without bound.</summary>
    [Range(1, 1_000_000)]
    public int OutboundQueueCapacity { get; set; } = 4096;

    /// <summary>Largest message accepted from nym-client (tungstenite's own limit is 64 MiB).</summary>
    [Range(1024, int.MaxValue)]
    public int MaxInboundMessageBytes { get; set; } = 64 * 1024 * 1024;
}
