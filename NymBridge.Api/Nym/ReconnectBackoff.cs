namespace NymBridge.Api.Nym;

/// <summary>
/// Capped exponential backoff with "decorrelated jitter" (each delay drawn between the minimum and
/// three times the previous one), so a restarted nym-client is not hit by a synchronized stampede
/// and a long outage settles at the cap.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private TimeSpan _previous = min;

    public TimeSpan Next()
    {
        var upper = Math.Min(max.TotalMilliseconds, _previous.TotalMilliseconds * 3);
        var delay = TimeSpan.FromMilliseconds(min.TotalMilliseconds + _random.NextDouble() * Math.Max(0, upper - min.TotalMilliseconds));
        _previous = delay;
        return delay;
    }

    public void Reset() => _previous = min;
}
