using System.ComponentModel.DataAnnotations;

namespace NymBridge.Api;

/// <summary>The <c>Bridge</c> configuration section: the HTTP side.</summary>
public sealed class BridgeOptions
{
    public const string Section = "Bridge";

    /// <summary>Largest payload a send accepts (nym-client's own websocket takes up to 64 MiB per message).</summary>
    [Range(1, 64 * 1024 * 1024 - 1024)]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;
}
