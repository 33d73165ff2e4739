using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// The rule of each send field (recipient, senderTag, payload, replySurbs, connectionId), and a send as a whole:
/// every field's errors are collected, then one answer lists them all. Everything nym-client would reject is caught
/// here: its errors arrive later, uncorrelated, so nothing invalid may reach it.
/// </summary>
public sealed class SendFieldRules(IOptions<BridgeOptions> bridge, IOptions<NymOptions> nym)
{
    public const uint DefaultReplySurbs = 20;

    private static readonly JsonWriterOptions CompactJson = new()
    {
        Indented = false,
        // Keep non-ASCII text as it was written instead of \u-escaping it: the payload is its UTF-8.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public NymOptions Nym => nym.Value;

    /// <summary>Checks a send given as an object (JSON body or SignalR argument) and builds its request.</summary>
    public SendParse Check(SendKindDefinition kind, SendInput input)
    {
        var errors = new SendErrors();
        var values = new SendValues();
        foreach (var field in kind.Fields)
        {
            Apply(field.Field, input, values, errors);
        }

        return Build(kind, values, errors);
    }

    /// <summary>Runs one field's rule on its value in <paramref name="input"/>; a failure is added to <paramref name="errors"/>.</summary>
    public void Apply(SendField field, SendInput input, SendValues values, SendErrors errors)
    {
        switch (field)
        {
            case SendField.Recipient:
                values.Recipient = Recipient(input.Recipient, errors);
                break;
            case SendField.SenderTag:
                values.SenderTag = SenderTag(input.SenderTag, errors);
                break;
            case SendField.Payload:
                values.Payload = input.Bytes ?? Payload(input.Message, input.MessageBase64, errors);
                break;
            case SendField.ReplySurbs:
                values.ReplySurbs = ReplySurbs(input.ReplySurbs, errors);
                break;
            case SendField.ConnectionId:
                values.Lane = Lane(input.ConnectionId, errors);
                break;
        }
    }

    /// <summary>The request, or every error found; a payload over <c>Bridge:MaxMessageBytes</c> is a 413.</summary>
    public SendParse Build(SendKindDefinition kind, SendValues values, SendErrors errors)
    {
        var max = bridge.Value.MaxMessageBytes;
        if (errors.Any)
        {
            return SendParse.Fail(errors);
        }

        return values.Payload.Length > max
            ? SendParse.Fail(Problems.TooLarge($"The payload is {values.Payload.Length} bytes; the limit is {max} (Bridge:MaxMessageBytes)."))
            : SendParse.Ok(kind.Build(values));
    }

    private static NymAddress? Recipient(string? text, SendErrors errors)
    {
        if (text is null)
        {
            errors.Add("recipient", "recipient is required: the Nym address <identity>.<encryption>@<gateway>.");
            return null;
        }

        if (NymAddress.TryParse(text, out var address, out var error))
        {
            return address;
        }

        errors.Add("recipient", error);
        return null;
    }

    private static SenderTag SenderTag(string? text, SendErrors errors)
    {
        if (text is null)
        {
            errors.Add("senderTag", "senderTag is required: the senderTag of a received message (16 bytes, Base58).");
            return default;
        }

        if (Protocol.SenderTag.TryParse(text, out var tag, out var error))
        {
            return tag;
        }

        errors.Add("senderTag", error);
        return default;
    }

    private uint ReplySurbs(long? value, SendErrors errors)
    {
        var max = nym.Value.MaxReplySurbs;
        if (value is null)
        {
            return (uint)Math.Min(DefaultReplySurbs, max);
        }

        if (value < 0 || value > max)
        {
            errors.Add("replySurbs", $"replySurbs must be from 0 to {max} (Nym:MaxReplySurbs); got {value}.");
            return 0;
        }

        return (uint)value.Value;
    }

    private static LaneId? Lane(ulong? value, SendErrors errors)
    {
        if (value is not { } given)
        {
            return null;
        }

        if (LaneId.TryFromValue(given, out var lane))
        {
            return lane;
        }

        errors.Add("connectionId", $"connectionId must be from 1 to {ulong.MaxValue}; omit it for none (0 means none on the wire).");
        return null;
    }

    private static ReadOnlyMemory<byte> Payload(JsonElement? message, string? base64, SendErrors errors)
    {
        var hasMessage = message is { ValueKind: not JsonValueKind.Null };
        if (hasMessage == base64 is not null)
        {
            errors.Add(hasMessage ? "message" : "body", hasMessage
                ? "Give either message or messageBase64, not both."
                : "Give the payload as message (text or any JSON value) or messageBase64 (bytes).");
            return default;
        }

        if (base64 is not null)
        {
            var buffer = new byte[base64.Length / 4 * 3 + 3];
            if (!Convert.TryFromBase64String(base64, buffer, out var written))
            {
                errors.Add("messageBase64", "messageBase64 is not valid Base64 (RFC 4648, with padding).");
                return default;
            }

            return buffer.AsMemory(0, written);
        }

        if (message!.Value.ValueKind == JsonValueKind.String)
        {
            try
            {
                return Encoding.UTF8.GetBytes(message.Value.GetString()!);
            }
            catch (InvalidOperationException)
            {
                errors.Add("message", "message contains an unpaired UTF-16 surrogate escape; it cannot be sent as UTF-8.");
                return default;
            }
        }

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, CompactJson))
        {
            message.Value.WriteTo(writer);
        }

        return json.ToArray();
    }
}
