using System.Text;
using NymBridge.Api.Nym;
using NymBridge.Protocol;
using NymBridge.Tests.Metrics;

namespace NymBridge.Tests.Common;

/// <summary>The inbound side of a <see cref="BridgeHost"/>: events pushed through its emulator, and waits for them to land.</summary>
internal static class BridgeHostInboundExtensions
{
    /// <summary>Text, binary, with and without sender tags, and every 50th an error; the same mix for the same count.</summary>
    public static async Task<List<InjectedEvent>> InjectMixAsync(this BridgeHost host, int count)
    {
        var random = new Random(count);
        var tag = SenderTag.FromBytes(Enumerable.Range(100, 16).Select(i => (byte)i).ToArray());
        var injected = new List<InjectedEvent>(count);
        for (var i = 0; i < count; i++)
        {
            InjectedEvent item;
            if (i % 50 == 49)
            {
                item = new InjectedEvent(Encoding.UTF8.GetBytes($"error {i}"), null, true, ErrorKind.MalformedRequest);
                await host.Emulator.InjectErrorAsync(item.Kind, $"error {i}").DefaultTimeout();
            }
            else
            {
                var payload = i % 3 == 0 ? RandomBytes(random, i % 200) : Encoding.UTF8.GetBytes($"message {i} ✓");
                item = new InjectedEvent(payload, i % 2 == 0 ? tag : null, false);
                await host.Emulator.InjectReceivedAsync(payload, item.Tag).DefaultTimeout();
            }

            injected.Add(item);
        }

        return injected;
    }

    /// <summary>Waits until the inbox has assigned seq <paramref name="lastSeq"/>: everything injected so far is stored.</summary>
    /// <remarks>The inbox signals commits only to readers, and a read could take events a test wants to read itself; its status is cheap to poll.</remarks>
    public static Task WaitForCommittedAsync(this BridgeHost host, long lastSeq) =>
        Eventually.WaitUntilAsync(() => host.Inbox.GetStatus().Store.LastSeq >= lastSeq, $"the inbox committed {lastSeq} events");

    /// <summary>
    /// Waits until <paramref name="count"/> long polls are parked in the inbox, as the subscribers gauge of <c>/metrics</c>
    /// counts them: so an event injected next wakes a waiting poll instead of meeting one that has not arrived.
    /// </summary>
    public static Task WaitForParkedLongPollsAsync(this BridgeHost host, int count) =>
        Eventually.ProbeUntilAsync(() => PrometheusScrape.GetAsync(host.Client), s => s.Value("nymbridge_subscribers", ("transport", "longpoll")) == count,
            $"{count} long polls are waiting");

    /// <summary>Waits, on the connection's own status-change signal, until its status satisfies <paramref name="condition"/>.</summary>
    public static Task WaitForNymStatusAsync(this BridgeHost host, Func<NymConnectionStatus, bool> condition, string because) =>
        Eventually.WaitUntilAsync(() => condition(host.Nym.GetStatus()), () => host.Nym.NextStatusChange, because);

    /// <summary>Waits until the bridge has noticed that nym-client is gone.</summary>
    public static Task WaitUntilDisconnectedAsync(this BridgeHost host) =>
        host.WaitForNymStatusAsync(s => !s.Connected, "the bridge noticed nym-client is gone");

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
