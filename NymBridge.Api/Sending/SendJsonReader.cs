using System.Text.Json;
using System.Text.Json.Serialization;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// Reads a send's JSON body into its kind's body record, then hands it to the field rules. A body the serializer
/// refuses gets a problem that names the field at fault, told apart by where the error is (its JSON path, and
/// whether the text is JSON at all), never by the words of the exception.
/// </summary>
public sealed class SendJsonReader(SendFieldRules rules)
{
    // Strict on purpose: "20" for a number and unknown fields (a typo of "recipient") are errors, not guesses.
    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    // The same syntax as StrictJson reads, to tell a body that is not JSON from one of the wrong shape.
    private static readonly JsonReaderOptions StrictSyntax = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    public SendParse Read(ReadOnlyMemory<byte> body, SendKindDefinition kind)
    {
        if (body.IsEmpty)
        {
            return SendParse.Fail("body", "The body is empty; send a JSON object such as {\"recipient\": \"...\", \"message\": \"hello\"}.");
        }

        return Deserialize(body, kind, out var parsed, out var problem) ? rules.Check(kind, parsed.ToInput()) : problem;
    }

    /// <summary>
    /// A webhook's <c>application/json</c> answer as a reply to the event it answers: the body of <c>POST /reply</c>,
    /// with the same rules and error texts, where <c>senderTag</c> may be omitted (it is the event's).
    /// </summary>
    public SendParse ReadReply(ReadOnlyMemory<byte> body, SenderTag eventTag)
    {
        if (!Deserialize(body, SendKinds.Reply, out var parsed, out var problem))
        {
            return problem;
        }

        var reply = (ReplyBody)parsed;
        var tag = eventTag.ToString();
        if (reply.SenderTag is { } given && !string.Equals(given, tag, StringComparison.Ordinal))
        {
            return SendParse.Fail("senderTag", "senderTag must be omitted or be the event's own: a webhook answer replies to the event it answers.");
        }

        return rules.Check(SendKinds.Reply, reply.ToInput() with { SenderTag = tag });
    }

    private bool Deserialize(ReadOnlyMemory<byte> body, SendKindDefinition kind, out ISendBody parsed, out SendParse problem)
    {
        parsed = null!;
        problem = default;
        try
        {
            if (JsonSerializer.Deserialize(body.Span, kind.JsonBody, StrictJson) is ISendBody read)
            {
                parsed = read;
                return true;
            }

            problem = SendParse.Fail("body", "The body is not valid JSON: The body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            problem = Problem(e, body.Span, kind);
        }

        return false;
    }

    private SendParse Problem(JsonException e, ReadOnlySpan<byte> body, SendKindDefinition kind)
    {
        var notJson = $"The body is not valid JSON: {Shorten(e.Message, 200)}";
        if (!IsWellFormed(body))
        {
            return SendParse.Fail("body", notJson);
        }

        // Well-formed, so the shape is wrong: at the root, or at the member the path names.
        if (e.Path == "$")
        {
            return SendParse.Fail("body", "The body must be a JSON object.");
        }

        var name = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (kind.FindMember(name) is { Member: { MustBe: { } mustBe } member })
        {
            return SendParse.Fail(member.Name, $"{member.Name} must be {mustBe(rules.Nym)}.");
        }

        // A known member that takes any JSON value, or one spelled in another case (the serializer matches it anyway).
        if (kind.FindMember(name) is not null || kind.FindMember(name, StringComparison.OrdinalIgnoreCase) is not null)
        {
            return SendParse.Fail("body", notJson);
        }

        return SendParse.Fail("body",
            $"The body has a field '{Shorten(e.Path?.TrimStart('$', '.'))}' this endpoint does not know. Allowed: {string.Join(", ", kind.JsonNames)}.");
    }

    /// <summary>Reads the body again (only on an error's path) with the reader's rules alone.</summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, StrictSyntax);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string? text, int max = 40) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";
}
