using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;
using NymBridge.Api.Hosting;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// The append-only files of saved webhook state changes not yet folded into SQLite: numbered segments
/// (<c>inbox-webhooks.changes.0000000001</c>, …) of records framed as <c>[u32 length][u32 CRC-32][payload]</c>,
/// each segment starting with a header record that names the inbox epoch it belongs to.
/// </summary>
/// <remarks>
/// <para>
/// One record is one <c>pwrite(2)</c> at the end of the current segment: once it returns the record is in
/// the kernel's page cache, so a killed process loses nothing, as with SQLite's WAL at <c>synchronous=NORMAL</c>;
/// an OS crash or power loss can lose the last records or tear one, which the CRC finds (reading stops there).
/// A failed write does not move the end: the next record overwrites what it left.
/// </para>
/// <para>Not thread-safe: its owner serializes the calls.</para>
/// </remarks>
internal sealed class WebhookStateJournal : IDisposable
{
    private const byte HeaderKind = 0;
    private const int FrameHeader = 8;

    private readonly string _directory;
    private readonly string _prefix;
    private readonly string _epoch;
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _writer;
    private SafeFileHandle? _handle;
    private long _number;
    private long _end;

    private WebhookStateJournal(string directory, string prefix, string epoch, long lastNumber)
    {
        _directory = directory;
        _prefix = prefix;
        _epoch = epoch;
        _number = lastNumber;
        _writer = new BinaryWriter(_buffer, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>The path of the segment records are appended to.</summary>
    public string CurrentSegment => SegmentPath(_number);

    /// <summary>The segment-name prefix for a state file: <c>inbox-webhooks.db</c> → <c>inbox-webhooks.changes.</c>.</summary>
    public static string PrefixFor(string statePath) => Path.GetFileNameWithoutExtension(statePath) + ".changes.";

    /// <summary>Existing segments, oldest first.</summary>
    public static IReadOnlyList<string> Segments(string directory, string prefix) =>
        !Directory.Exists(directory)
            ? []
            : [.. Directory.EnumerateFiles(directory, prefix + "*")
                .Select(path => (path, number: NumberOf(path, prefix)))
                .Where(s => s.number > 0)
                .OrderBy(s => s.number)
                .Select(s => s.path)];

    /// <summary>
    /// The records of every segment written for <paramref name="epoch"/>, oldest first, up to the first torn or
    /// missing record of each; a segment of another epoch (the inbox was replaced since) contributes none.
    /// </summary>
    public static List<WebhookJournalRecord> Read(IReadOnlyList<string> segments, string epoch)
    {
        var batches = new List<WebhookJournalRecord>();
        foreach (var segment in segments)
        {
            var bytes = File.ReadAllBytes(segment);
            var records = Records(bytes).ToList();
            if (records.Count == 0 || !IsHeaderOf(bytes, records[0], epoch))
            {
                continue;
            }

            foreach (var (offset, length) in records.Skip(1))
            {
                using var reader = new BinaryReader(new MemoryStream(bytes, offset, length, writable: false), Encoding.UTF8);
                batches.Add(WebhookJournalCodec.Read(reader));
            }
        }

        return batches;
    }

    /// <summary>Starts a new segment after <paramref name="segments"/> (the existing ones) for this epoch.</summary>
    public static WebhookStateJournal Open(string directory, string prefix, string epoch, IReadOnlyList<string> segments)
    {
        var journal = new WebhookStateJournal(directory, prefix, epoch, segments.Count == 0 ? 0 : NumberOf(segments[^1], prefix));
        journal.Rotate();
        return journal;
    }

    /// <summary>Appends one batch of changes as one record; it is as durable as the inbox once this returns.</summary>
    public void Append(IReadOnlyList<WebhookStateChange> changes)
    {
        var handle = _handle ?? throw new ObjectDisposedException(nameof(WebhookStateJournal));
        BeginFrame();
        WebhookJournalCodec.WriteChanges(_writer, changes);
        _end += WriteFrame(handle, _end);
    }

    /// <summary>Appends a reply claim as one record, as durable as a batch of changes.</summary>
    public void Append(WebhookReplyClaim claim)
    {
        var handle = _handle ?? throw new ObjectDisposedException(nameof(WebhookStateJournal));
        BeginFrame();
        WebhookJournalCodec.WriteClaim(_writer, claim);
        _end += WriteFrame(handle, _end);
    }

    /// <summary>
    /// Starts the next segment and appends there from now on; returns the one it ends. If the new segment cannot
    /// be created, this throws and appends go on in the current one.
    /// </summary>
    public string Rotate()
    {
        var next = _number + 1;
        var path = SegmentPath(next);
        // No share lock: what a dead process left is read and removed by the next one, and nothing else writes here.
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(handle, PrivateFiles.FileMode);
            }

            BeginFrame();
            _writer.Write(HeaderKind);
            _writer.Write(_epoch);
            var end = WriteFrame(handle, 0);
            var ended = SegmentPath(_number);
            _handle?.Dispose();
            (_handle, _number, _end) = (handle, next, end);
            return ended;
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
        _writer.Dispose();
        _buffer.Dispose();
    }

    private void BeginFrame()
    {
        _buffer.SetLength(FrameHeader);
        _buffer.Position = FrameHeader;
    }

    /// <summary>Fills in the frame header of what the buffer holds and writes the frame at <paramref name="offset"/>: one <c>pwrite</c>.</summary>
    private long WriteFrame(SafeFileHandle handle, long offset)
    {
        _writer.Flush();
        var frame = _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length);
        var payload = frame[FrameHeader..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(payload));
        RandomAccess.Write(handle, frame, offset);
        return frame.Length;
    }

    private static IEnumerable<(int Offset, int Length)> Records(byte[] bytes)
    {
        var at = 0;
        while (bytes.Length - at >= FrameHeader)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            if (length > bytes.Length - at - FrameHeader || Crc32.HashToUInt32(bytes.AsSpan(at + FrameHeader, (int)length)) != crc)
            {
                yield break;
            }

            yield return (at + FrameHeader, (int)length);
            at += FrameHeader + (int)length;
        }
    }

    private static bool IsHeaderOf(byte[] bytes, (int Offset, int Length) record, string epoch)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, record.Offset, record.Length, writable: false), Encoding.UTF8);
        return reader.ReadByte() == HeaderKind && reader.ReadString() == epoch;
    }

    private string SegmentPath(long number) => Path.Combine(_directory, _prefix + number.ToString("D10", CultureInfo.InvariantCulture));

    private static long NumberOf(string path, string prefix) =>
        long.TryParse(Path.GetFileName(path).AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
