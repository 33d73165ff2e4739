using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// Turns a send's HTTP request (JSON body, or raw bytes with the other fields in the query) into a nym request, or a
/// 4xx that says what to fix: the content reader picks the form, the JSON or query reader reads the fields, and the
/// field rules check them, all for the kind's row of <see cref="SendKinds"/>.
/// </summary>
public sealed class SendRequestParser(SendContentReader content, SendJsonReader json, SendQueryReader query, SendFieldRules rules)
{
    public async Task<SendParse> ParseAsync(HttpRequest request, SendKindDefinition kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (read, problem) = await content.ReadAsync(request, cancellationToken);
        if (problem is { } failed)
        {
            return failed;
        }

        return read.IsJson ? json.Read(read.Body, kind) : query.Read(read.Body, request.Query, kind);
    }

    /// <summary>Checks a send given as an object (a SignalR argument) and builds its request.</summary>
    public SendParse Validate(SendKindDefinition kind, ISendBody body)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        return rules.Check(kind, body.ToInput());
    }

    /// <inheritdoc cref="SendJsonReader.ReadReply"/>
    public SendParse ParseReplyJson(ReadOnlyMemory<byte> body, SenderTag eventTag) => json.ReadReply(body, eventTag);
}
