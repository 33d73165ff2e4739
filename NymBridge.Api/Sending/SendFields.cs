using System.Globalization;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Sending;

/// <summary>The fields a send can have; each has one rule in <see cref="SendFieldRules"/>.</summary>
public enum SendField
{
    Recipient,
    SenderTag,
    Payload,
    ReplySurbs,
    ConnectionId,
}

/// <summary>A field's name in a JSON body, what it means, and what it must be when its JSON type is wrong.</summary>
/// <param name="MustBe">Completes "&lt;name&gt; must be …" for a value of the wrong JSON type; null when any JSON value will do.</param>
public sealed record SendMember(string Name, string Description, Func<NymOptions, string>? MustBe = null);

/// <summary>
/// One field of a send: its JSON members and, but for the payload (the body itself there), its query parameter
/// of application/octet-stream, with the same name and description.
/// </summary>
/// <param name="QueryType">"string" or "integer"; null when the field is not in the query string.</param>
/// <param name="Minimum">For integers: the smallest value.</param>
/// <param name="Maximum">For integers: the largest, or <see cref="OpenApiIntegerAttribute.MaxReplySurbs"/> for the configured bound.</param>
public sealed record SendFieldSpec(
    SendField Field, IReadOnlyList<SendMember> Members, bool Required,
    string? QueryType = null, string? Minimum = null, string? Maximum = null)
{
    public string Name => Members[0].Name;
    public bool InQuery => QueryType is not null;
}

/// <summary>Every field a send kind may use, described once for the JSON schema, the query string and the error texts.</summary>
public static class SendFields
{
    private static string AString(NymOptions _) => "a string";

    public static readonly SendFieldSpec Recipient = new(
        SendField.Recipient,
        [new("recipient", "The recipient's Nym address, <identity>.<encryption>@<gateway>.", AString)],
        Required: true, QueryType: "string");

    public static readonly SendFieldSpec SenderTag = new(
        SendField.SenderTag,
        [new("senderTag", "The sender tag of a received message (16 bytes, Base58).", AString)],
        Required: true, QueryType: "string");

    public static readonly SendFieldSpec Payload = new(
        SendField.Payload,
        [
            new("message", "The payload: a string (sent as its UTF-8 bytes) or any other JSON value (sent as its compact JSON text). Exactly one of message and messageBase64."),
            new("messageBase64", "The payload as Base64, for arbitrary bytes. Exactly one of message and messageBase64.", AString),
        ],
        Required: true);

    public static readonly SendFieldSpec ReplySurbs = new(
        SendField.ReplySurbs,
        [new("replySurbs", $"Reply SURBs to attach so the recipient can answer without learning who you are (default {SendFieldRules.DefaultReplySurbs}, at most Nym:MaxReplySurbs).",
            nym => $"an integer from 0 to {nym.MaxReplySurbs.ToString(CultureInfo.InvariantCulture)}")],
        Required: false, QueryType: "integer", Minimum: "0", Maximum: OpenApiIntegerAttribute.MaxReplySurbs);

    public static readonly SendFieldSpec ConnectionId = new(
        SendField.ConnectionId,
        [new("connectionId", "Optional nym-client lane (1 to 2^64-1); when given, the answer includes that lane's queue length.",
            _ => $"an integer from 1 to {ulong.MaxValue}, or omitted")],
        Required: false, QueryType: "integer", Minimum: "1", Maximum: OpenApiIntegerAttribute.UInt64Max);
}
