using System.Runtime.CompilerServices;

namespace NymBridge.Api.Metrics;

/// <summary>One subscriber counted from creation until <see cref="Dispose"/> (a struct: nothing to allocate per request).</summary>
public readonly struct SubscriberScope : IDisposable
{
    private readonly StrongBox<int>? _count;

    internal SubscriberScope(StrongBox<int> count)
    {
        _count = count;
        Interlocked.Increment(ref count.Value);
    }

    public void Dispose()
    {
        if (_count is { } count)
        {
            Interlocked.Decrement(ref count.Value);
        }
    }
}
