using System.ComponentModel.DataAnnotations;

namespace NymBridge.Api.Inbox;

public enum InboxStoreKind
{
    Sqlite,
    Memory,

    /// <summary>The cluster's shared Redis stream (<c>Cluster:Redis</c>); the only store in cluster mode, and the default there.</summary>
    Redis,
}

/// <summary>The <c>Inbox</c> configuration section.</summary>
public sealed class InboxOptions
{
    public const string Section = "Inbox";

    public InboxStoreKind Store { get; set; } = InboxStoreKind.Sqlite;

    /// <summary>The SQLite file; a relative path is under the data directory (<c>Bridge:DataDirectory</c>).</summary>
    [Required]
    public string Path { get; set; } = "inbox.db";

    [Range(1, 100_000_000)]
    public long Capacity { get; set; } = 100_000;

    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;
}
