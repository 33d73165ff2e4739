using NymBridge.Api.Inbox;

namespace NymBridge.Api.Messages;

/// <summary>
/// Something built from an event once for everyone who shows it: every subscriber of a fan-out, and every
/// long-poll woken by the same commit, asks for the same event. A slot holds what was last built for its
/// seq modulo the ring size; a reader far behind (catching up from the store) builds its own.
/// </summary>
internal sealed class RecentEventCache<T>(Func<InboxEvent, T> build)
    where T : class
{
    private readonly Entry?[] _slots = new Entry?[4096];

    private sealed record Entry(InboxEvent Event, T Value);

    public T For(InboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var slot = (int)(e.Seq & (_slots.Length - 1));
        if (Volatile.Read(ref _slots[slot]) is { } recent && ReferenceEquals(recent.Event, e))
        {
            return recent.Value;
        }

        var built = build(e);
        Volatile.Write(ref _slots[slot], new Entry(e, built));
        return built;
    }
}
