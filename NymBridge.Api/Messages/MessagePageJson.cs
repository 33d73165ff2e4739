using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Messages;

/// <summary>
/// The JSON of a <c>GET /messages</c> page, shared by every long-poll that gets the same page: one commit
/// wakes every waiter with the same cursor at once, and 10,000 of them would otherwise serialize the same
/// events 10,000 times while the first answers wait behind the last.
/// </summary>
/// <remarks>
/// Within an epoch a seq always names the same event, so the seq range, cursor and flags identify a page.
/// One slot is enough: the waiters of one commit read one after another.
/// </remarks>
public sealed class MessagePageJson(IOptions<JsonOptions> json, EventViews views)
{
    private Page? _last;

    private sealed record Page(PageKey Key, byte[] Utf8);

    private readonly record struct PageKey(long First, long Last, int Count, long Cursor, string Epoch, bool Reset, bool Truncated);

    public IResult Result(InboxReadResult read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var events = read.Events;
        var key = new PageKey(
            events.Count > 0 ? events[0].Seq : 0, events.Count > 0 ? events[^1].Seq : 0, events.Count,
            read.Cursor, read.Epoch, read.Reset, read.Truncated);
        if (Volatile.Read(ref _last) is not { } page || page.Key != key)
        {
            var list = new MessageList([.. events.Select(views.Message)], read.Cursor, read.Epoch, read.Reset, read.Truncated);
            page = new Page(key, JsonSerializer.SerializeToUtf8Bytes(list, json.Value.SerializerOptions.GetTypeInfo(typeof(MessageList))));
            Volatile.Write(ref _last, page);
        }

        return new Utf8JsonResult(page.Utf8);
    }

    /// <summary>Writes JSON that is already UTF-8 bytes, with its length, as one write.</summary>
    private sealed class Utf8JsonResult(byte[] utf8) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = utf8.Length;
            return response.Body.WriteAsync(utf8).AsTask();
        }
    }
}
