namespace NymBridge.Api.Webhooks;

/// <summary>
/// The binary form of a saved batch of <see cref="WebhookStateChange"/>s in the journal: every field of the
/// records, in declaration order; strings as <see cref="BinaryWriter"/> writes them, times as UTC ticks,
/// an optional value behind a presence byte.
/// </summary>
/// <remarks>A private format of this process's own files: a change to it needs a new kind (a record of an unknown kind is refused, not misread).</remarks>
internal static class WebhookJournalCodec
{
    /// <summary>The first byte of a record: what it holds (and the format it is in).</summary>
    public const byte ChangesKind = 1, ClaimKind = 2;

    public static void WriteClaim(BinaryWriter w, WebhookReplyClaim claim)
    {
        w.Write(ClaimKind);
        w.Write(claim.Endpoint);
        w.Write(claim.Seq);
        w.Write(claim.ExpiresAt.UtcTicks);
    }

    /// <summary>A batch of changes or a reply claim, by its first byte.</summary>
    public static WebhookJournalRecord Read(BinaryReader r)
    {
        var kind = r.ReadByte();
        return kind switch
        {
            ChangesKind => new WebhookJournalRecord(ReadChanges(r), null),
            ClaimKind => new WebhookJournalRecord(null, new WebhookReplyClaim(r.ReadString(), r.ReadInt64(), Time(r.ReadInt64()))),
            _ => throw new InvalidDataException($"The webhook state journal has a record of kind {kind}, which this version does not know."),
        };
    }

    public static void WriteChanges(BinaryWriter w, IReadOnlyList<WebhookStateChange> changes)
    {
        w.Write(ChangesKind);
        w.Write7BitEncodedInt(changes.Count);
        foreach (var change in changes)
        {
            WriteEndpoint(w, change.Endpoint);
            var upserts = change.Upserts ?? [];
            w.Write7BitEncodedInt(upserts.Count);
            foreach (var d in upserts)
            {
                w.Write(d.Seq);
                w.Write(d.Attempts);
                w.Write(d.NextAttemptAt.UtcTicks);
                w.Write(d.Failed);
                WriteError(w, d.LastError);
            }

            var deletes = change.Deletes ?? [];
            w.Write7BitEncodedInt(deletes.Count);
            foreach (var seq in deletes)
            {
                w.Write(seq);
            }

            w.Write(change.Attempt is not null);
            if (change.Attempt is { } a)
            {
                w.Write(a.Id);
                w.Write(a.WebhookId);
                w.Write(a.Seq);
                w.Write(a.Attempt);
                w.Write(a.At.UtcTicks);
                w.Write(a.DurationMs);
                WriteOptional(w, a.Status);
                WriteOptional(w, a.Error);
                w.Write(a.ResponseBytes);
                w.Write(a.Reply);
            }
        }
    }

    private static List<WebhookStateChange> ReadChanges(BinaryReader r)
    {
        var count = r.Read7BitEncodedInt();
        var changes = new List<WebhookStateChange>(count);
        for (var i = 0; i < count; i++)
        {
            var endpoint = ReadEndpoint(r);
            var upserts = new WebhookDelivery[r.Read7BitEncodedInt()];
            for (var u = 0; u < upserts.Length; u++)
            {
                upserts[u] = new WebhookDelivery(r.ReadInt64(), r.ReadInt32(), Time(r.ReadInt64()), r.ReadBoolean(), ReadError(r));
            }

            var deletes = new long[r.Read7BitEncodedInt()];
            for (var d = 0; d < deletes.Length; d++)
            {
                deletes[d] = r.ReadInt64();
            }

            WebhookAttempt? attempt = null;
            if (r.ReadBoolean())
            {
                attempt = new WebhookAttempt(
                    r.ReadInt64(), r.ReadString(), r.ReadInt64(), r.ReadInt32(), Time(r.ReadInt64()), r.ReadInt64(),
                    r.ReadBoolean() ? r.ReadInt32() : null, r.ReadBoolean() ? r.ReadString() : null, r.ReadInt64(), r.ReadString());
            }

            changes.Add(new WebhookStateChange(endpoint, upserts, deletes, attempt));
        }

        return changes;
    }

    private static void WriteEndpoint(BinaryWriter w, WebhookEndpointRow e)
    {
        w.Write(e.Name);
        w.Write(e.Cursor);
        w.Write(e.Enabled);
        WriteOptional(w, e.DisabledReason);
        w.Write(e.Delivered);
        w.Write(e.Failed);
        w.Write(e.Dropped);
        w.Write(e.RepliesSent);
        w.Write(e.RepliesRefused);
        w.Write(e.LastSuccessAt is not null);
        if (e.LastSuccessAt is { } at)
        {
            w.Write(at.UtcTicks);
        }

        WriteError(w, e.LastError);
    }

    private static WebhookEndpointRow ReadEndpoint(BinaryReader r) => new(
        r.ReadString(), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean() ? r.ReadString() : null,
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
        r.ReadBoolean() ? Time(r.ReadInt64()) : null, ReadError(r));

    private static void WriteError(BinaryWriter w, WebhookError? error)
    {
        w.Write(error is not null);
        if (error is not null)
        {
            w.Write(error.At.UtcTicks);
            WriteOptional(w, error.Status);
            w.Write(error.Reason);
        }
    }

    private static WebhookError? ReadError(BinaryReader r) =>
        r.ReadBoolean() ? new WebhookError(Time(r.ReadInt64()), r.ReadBoolean() ? r.ReadInt32() : null, r.ReadString()) : null;

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    private static void WriteOptional(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
        {
            w.Write(v);
        }
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}

/// <summary>A reply claimed for an endpoint's event, until <paramref name="ExpiresAt"/> (the end of its reply window).</summary>
internal sealed record WebhookReplyClaim(string Endpoint, long Seq, DateTimeOffset ExpiresAt);

/// <summary>One journal record: a saved batch of changes, or a reply claim.</summary>
internal readonly record struct WebhookJournalRecord(IReadOnlyList<WebhookStateChange>? Changes, WebhookReplyClaim? Claim);
