using System.Diagnostics;
using System.Globalization;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Bench.Tools.Emulation;

/// <summary>
/// Reply frames timed as the emulator reads them: a stamped Reply (<c>run=ID;t=TICKS;h=TICKS;</c>, written by the
/// webhook receiver) gives the time from the inbound frame's stamp to now, and the receiver's own time.
/// </summary>
internal sealed class ReplyTimes
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (List<double> EndToEnd, List<double> Receiver)> _runs = [];

    /// <summary>Called for every message the client writes; always false (the recorder's waiter never completes).</summary>
    public bool Offer(byte[] frame)
    {
        var now = Stopwatch.GetTimestamp();
        if (!RequestCodec.TryDecode(frame, out var request, out _) || request is not ReplyRequest reply)
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(reply.Message.Span);
        if (!text.StartsWith("run=", StringComparison.Ordinal))
        {
            return false;
        }

        var fields = text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        if (!fields.TryGetValue("run", out var run) || !fields.TryGetValue("t", out var t) || !fields.TryGetValue("h", out var h))
        {
            return false;
        }

        var endToEnd = Measure.Milliseconds(long.Parse(t, CultureInfo.InvariantCulture), now);
        var receiver = long.Parse(h, CultureInfo.InvariantCulture) * 1000.0 / Stopwatch.Frequency;
        lock (_lock)
        {
            if (!_runs.TryGetValue(run, out var samples))
            {
                _runs[run] = samples = ([], []);
            }

            samples.EndToEnd.Add(endToEnd);
            samples.Receiver.Add(receiver);
        }

        return false;
    }

    /// <summary>The run's samples so far, in arrival order: end-to-end and receiver milliseconds, pairwise.</summary>
    public object Take(string run)
    {
        lock (_lock)
        {
            return _runs.TryGetValue(run, out var samples)
                ? new { count = samples.EndToEnd.Count, endToEndMs = samples.EndToEnd.ToArray(), receiverMs = samples.Receiver.ToArray() }
                : new { count = 0, endToEndMs = Array.Empty<double>(), receiverMs = Array.Empty<double>() };
        }
    }
}
