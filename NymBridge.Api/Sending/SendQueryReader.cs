using System.Globalization;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// Reads an application/octet-stream send: the body is the payload, every other field of the kind is a query
/// parameter of the same name. Unknown and repeated parameters are errors, like unknown JSON fields.
/// </summary>
public sealed class SendQueryReader(SendFieldRules rules)
{
    public SendParse Read(ReadOnlyMemory<byte> body, IQueryCollection query, SendKindDefinition kind)
    {
        var errors = new SendErrors();
        if (body.IsEmpty)
        {
            errors.Add("body", "The body is empty. Send the payload as the body, or send JSON with \"message\": \"\" for an empty message.");
        }

        var allowed = kind.Fields.Where(f => f.InQuery).Select(f => f.Name).ToArray();
        foreach (var key in query.Keys)
        {
            if (!allowed.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(key, $"Unknown query parameter '{key}'; expected {string.Join(", ", allowed)}.");
            }
        }

        var input = new SendInput { Bytes = body };
        var values = new SendValues();
        // The lane first: the errors of a request then read in the order they always have.
        foreach (var field in kind.Fields.OrderBy(f => f.Field != SendField.ConnectionId))
        {
            if (field.InQuery)
            {
                input = WithText(input, field, Single(query, field.Name, errors), errors);
            }

            rules.Apply(field.Field, input, values, errors);
        }

        return rules.Build(kind, values, errors);
    }

    /// <summary>The field's value read from its text; text that is no value of its type is an error, and no value.</summary>
    private SendInput WithText(SendInput input, SendFieldSpec field, string? text, SendErrors errors)
    {
        if (text is null)
        {
            return input;
        }

        switch (field.Field)
        {
            case SendField.Recipient:
                return input with { Recipient = text };
            case SendField.SenderTag:
                return input with { SenderTag = text };
            case SendField.ReplySurbs:
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var surbs))
                {
                    return input with { ReplySurbs = surbs };
                }

                errors.Add(field.Name, $"{field.Name} must be {field.Members[0].MustBe!(rules.Nym)}.");
                return input;
            case SendField.ConnectionId:
                if (LaneId.TryParse(text, out var lane, out var reason))
                {
                    return input with { ConnectionId = lane.Value };
                }

                errors.Add(field.Name, reason);
                return input;
            default:
                return input;
        }
    }

    private static string? Single(IQueryCollection query, string key, SendErrors errors)
    {
        var values = query[key];
        if (values.Count > 1)
        {
            errors.Add(key, $"{key} is given {values.Count} times; give it once.");
            return null;
        }

        return values.Count == 1 ? values[0] : null;
    }
}
