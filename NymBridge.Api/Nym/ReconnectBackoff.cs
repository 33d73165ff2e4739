namespace NymBridge.Api.Nym;

/// <summary>
/// Capped exponential backoff with "decorrelated jitter" (each delay drawn between the minimum and
/// three times the previous one), so a restarted nym-client is not hit by a synchronized stampede
/// and a long outage settles at the cap.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private TimeSpan _previous;

    /// <remarks>A minimum above the maximum is a start-up error (<see cref="NymOptionsValidator"/>), not reordered here.</remarks>
    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        _min = min;
        _max = max;
        _random = random ?? Random.Shared;
        _previous = min;
    }

    public TimeSpan Next()
    {
        var upper = Math.Min(_max.TotalMilliseconds, _previous.TotalMilliseconds * 3);
        var span = Math.Max(0, upper - _min.TotalMilliseconds);
        _previous = TimeSpan.FromMilliseconds(_min.TotalMilliseconds + _random.NextDouble() * span);
        return _previous;
    }

    public void Reset() => _previous = _min;
}
