using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using NymBridge.Api.Inbox;
using NymBridge.Api.Nym;
using NymBridge.Api.Realtime;
using NymBridge.Api.Sending;

namespace NymBridge.Api.Metrics;

/// <summary>
/// The bridge's own instruments, on the meter <see cref="MeterName"/>. Only sends are recorded as they
/// happen (<see cref="SendAccepted"/>, <see cref="SendRejected"/>, <see cref="SendUnavailable"/>) and
/// the subscriber gauges are kept here; everything else is observed at collection time from the
/// counters the connection and the inbox keep anyway, so the hot paths carry nothing new.
/// </summary>
/// <remarks>
/// Label values are a fixed vocabulary (kind, outcome, direction, type, transport): never an address,
/// a sender tag, a payload, a key or anything from a URL. The send path's tags are built once, here,
/// so that recording a send is two counter adds that allocate nothing; without a listener
/// (<c>Bridge:Metrics:Enabled=false</c>) each add returns at once.
/// </remarks>
public sealed class BridgeMetrics
{
    public const string MeterName = "NymBridge";

    private static readonly string[] KindNames = ["send", "send_anonymous", "reply"];
    private static readonly string[] OutcomeNames = ["accepted", "rejected", "unavailable"];

    // [kind][outcome] and [kind]: the only tag sets the send path ever passes.
    private static readonly KeyValuePair<string, object?>[][][] SendTags =
        [.. KindNames.Select(kind => OutcomeNames.Select(outcome => new KeyValuePair<string, object?>[] { new("kind", kind), new("outcome", outcome) }).ToArray())];
    private static readonly KeyValuePair<string, object?>[][] KindTags =
        [.. KindNames.Select(kind => new KeyValuePair<string, object?>[] { new("kind", kind) })];

    private static readonly KeyValuePair<string, object?>[] Out = [new("direction", "out")];
    private static readonly KeyValuePair<string, object?>[] In = [new("direction", "in")];
    private static readonly KeyValuePair<string, object?>[] Received = [new("type", "received")];
    private static readonly KeyValuePair<string, object?>[] Error = [new("type", "error")];
    private static readonly KeyValuePair<string, object?>[] SignalRTag = [new("transport", "signalr")];
    private static readonly KeyValuePair<string, object?>[] SseTag = [new("transport", "sse")];
    private static readonly KeyValuePair<string, object?>[] LongPollTag = [new("transport", "longpoll")];

    private readonly Counter<long> _sends;
    private readonly Counter<long> _sendBytes;
    private readonly StrongBox<int> _sseStreams = new();
    private readonly StrongBox<int> _longPolls = new();

    public BridgeMetrics(IMeterFactory meters, INymConnection nym, IInboxCounters inbox, HubSubscriptions hubs)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(nym);
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(hubs);
        var meter = meters.Create(MeterName);

        // Prometheus names: dots become underscores, a unit in braces adds no suffix, "By" adds _bytes,
        // and counters get _total (so no name here ends in _total or _bytes twice).
        _sends = meter.CreateCounter<long>("nymbridge.sends", "{send}",
            "Sends answered (REST and SignalR), by kind and outcome: accepted, rejected (4xx) or unavailable (503).");
        _sendBytes = meter.CreateCounter<long>("nymbridge.send.payload", "By",
            "Payload bytes of accepted sends handed to nym-client, by kind (an idempotent replay sends nothing and adds nothing).");

        meter.CreateObservableGauge("nymbridge.nym.connected", () => nym.GetStatus().Connected ? 1 : 0, null,
            "1 while the websocket to nym-client is open, else 0.");
        meter.CreateObservableCounter("nymbridge.nym.reconnects", () => nym.GetStatus().Reconnects, "{reconnect}",
            "Connections to nym-client made after the first.");
        meter.CreateObservableCounter("nymbridge.nym.frames", () => Frames(nym.GetStatus()), "{frame}",
            "Websocket frames written to (out) and read from (in) nym-client.");
        meter.CreateObservableCounter("nymbridge.nym.bad_frames", () => nym.GetStatus().BadFrames, "{frame}",
            "Frames from nym-client that failed to decode or were over Nym:MaxInboundMessageBytes.");
        meter.CreateObservableUpDownCounter("nymbridge.outbound_queue.frames", () => nym.GetStatus().OutboundQueued, "{frame}",
            "Frames waiting for the socket to nym-client (sends get 503 at Nym:OutboundQueueCapacity).");

        meter.CreateObservableCounter("nymbridge.inbox.events", () => InboxEvents(inbox), "{event}",
            "Inbound events stored in the inbox, by type: received or error.");
        meter.CreateObservableUpDownCounter("nymbridge.inbox.retained.events", () => inbox.Store.Count, "{event}",
            "Events the inbox retains now (Inbox:Capacity bounds it).");
        meter.CreateObservableUpDownCounter("nymbridge.inbox.retained", () => inbox.Store.Bytes, "By",
            "Payload bytes the inbox retains now (Inbox:MaxBytes bounds it).");
        meter.CreateObservableCounter("nymbridge.inbox.dropped.events", () => inbox.Store.Dropped, "{event}",
            "Events evicted by retention before any queue read took them (also across restarts of a SQLite inbox).");

        meter.CreateObservableUpDownCounter("nymbridge.subscribers", () => Subscribers(hubs.Count), "{subscriber}",
            "Live subscribers by transport: SignalR connections, SSE streams, and long-polls waiting for events.");
    }

    public void SendAccepted(SendKind kind, int payloadBytes)
    {
        _sends.Add(1, SendTags[(int)kind][0]);
        if (payloadBytes > 0)
        {
            _sendBytes.Add(payloadBytes, KindTags[(int)kind]);
        }
    }

    /// <summary>A send refused with a 4xx (invalid input, too large, idempotency conflict): nothing was sent.</summary>
    public void SendRejected(SendKind kind) => _sends.Add(1, SendTags[(int)kind][1]);

    /// <summary>A send answered 503: nym-client could not take it, nothing was sent.</summary>
    public void SendUnavailable(SendKind kind) => _sends.Add(1, SendTags[(int)kind][2]);

    /// <summary>Counts an SSE stream as a subscriber until the returned scope is disposed.</summary>
    public SubscriberScope SseStream() => new(_sseStreams);

    /// <summary>Counts a long-poll as a subscriber until the returned scope is disposed.</summary>
    public SubscriberScope LongPoll() => new(_longPolls);

    private static Measurement<long>[] Frames(NymConnectionStatus status) =>
        [new(status.FramesSent, Out), new(status.FramesReceived, In)];

    private static Measurement<long>[] InboxEvents(IInboxCounters inbox) =>
        [new(inbox.CommittedReceived, Received), new(inbox.CommittedErrors, Error)];

    private Measurement<int>[] Subscribers(int hubConnections) =>
        [new(hubConnections, SignalRTag), new(Volatile.Read(ref _sseStreams.Value), SseTag), new(Volatile.Read(ref _longPolls.Value), LongPollTag)];
}
