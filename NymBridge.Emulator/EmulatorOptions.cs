using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>How a <see cref="NymClientEmulator"/> listens and what it keeps.</summary>
public sealed record EmulatorOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free one (kept across Stop/Start).</summary>
    public int Port { get; init; }

    /// <summary>Record every data message received. False is for benchmarks, where nothing is kept.</summary>
    public bool RecordFrames { get; init; } = true;

    /// <summary>The <c>queue_length</c> answered in every LaneQueueLength.</summary>
    public ulong QueueLengthReport { get; init; }

    /// <summary>The emulated client's own address; null generates a fresh valid one.</summary>
    public NymAddress? Address { get; init; }

    /// <summary>Clock for <see cref="RecordedFrame.ReceivedAt"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
