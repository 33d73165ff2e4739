using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using NymBridge.Tests.Common;

namespace NymBridge.Tests.Sending;

/// <summary>
/// The exact words of every send problem: status, each field's messages (in order) and the detail. Clients and
/// people read these; a refactor of the parser must not change one of them.
/// </summary>
public class SendProblemTextTests
{
    private const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";
    private const string Tag = "7Ls8mWq6rCQ1kE2bB7g6Zw";
    private static readonly string A = Uri.EscapeDataString(Address);

    private static readonly (string Path, string? ContentType, string Body, string Expected)[] Cases =
    [
        ("/send", "application/json", "{\"recipient\": ",
            """400 {"body":["The body is not valid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. Path: $.recipient | LineNumber: 0 | BytePositionInLine: 14."]} | The body is not valid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. Path: $.recipient | LineNumber: 0 | BytePositionInLine: 14."""),
        ("/send", "application/json", "[1,2]",
            """400 {"body":["The body must be a JSON object."]} | The body must be a JSON object."""),
        ("/send", "application/json", "null",
            """400 {"body":["The body is not valid JSON: The body must be a JSON object, not null."]} | The body is not valid JSON: The body must be a JSON object, not null."""),
        ("/send", "application/json", "\"text\"",
            """400 {"body":["The body must be a JSON object."]} | The body must be a JSON object."""),
        ("/send", "application/json", "",
            """400 {"body":["The body is empty; send a JSON object such as {\"recipient\": \"...\", \"message\": \"hello\"}."]} | The body is empty; send a JSON object such as {"recipient": "...", "message": "hello"}."""),
        ("/send", "application/json", "{} trailing",
            """400 {"body":["The body is not valid JSON: 't' is invalid after a single JSON value. Expected end of data. Path: $ | LineNumber: 0 | BytePositionInLine: 3."]} | The body is not valid JSON: 't' is invalid after a single JSON value. Expected end of data. Path: $ | LineNumber: 0 | BytePositionInLine: 3."""),
        ("/send", "application/json", "{\"message\": \"x\", /* c */ \"recipient\": 5}",
            """400 {"body":["The body is not valid JSON: '/' is an invalid start of a property name. Expected a '\"'. Path: $ | LineNumber: 0 | BytePositionInLine: 17."]} | The body is not valid JSON: '/' is an invalid start of a property name. Expected a '"'. Path: $ | LineNumber: 0 | BytePositionInLine: 17."""),
        ("/send", "application/json", "{\"message\": {\"a\": }}",
            """400 {"body":["The body is not valid JSON: '}' is an invalid start of a value. Path: $.message | LineNumber: 0 | BytePositionInLine: 18."]} | The body is not valid JSON: '}' is an invalid start of a value. Path: $.message | LineNumber: 0 | BytePositionInLine: 18."""),
        ("/send", "application/json", "{\"recipient\": 5, \"message\": \"x\"}",
            """400 {"recipient":["recipient must be a string."]} | recipient must be a string."""),
        ("/send", "application/json", "{\"Recipient\": 5, \"message\": \"x\"}",
            """400 {"body":["The body is not valid JSON: The JSON value could not be converted to System.String. Path: $.Recipient | LineNumber: 0 | BytePositionInLine: 15."]} | The body is not valid JSON: The JSON value could not be converted to System.String. Path: $.Recipient | LineNumber: 0 | BytePositionInLine: 15."""),
        ("/send", "application/json", "{\"recipient\": {\"a\": 1}, \"message\": \"x\"}",
            """400 {"recipient":["recipient must be a string."]} | recipient must be a string."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"messageBase64\": 5}}",
            """400 {"messageBase64":["messageBase64 must be a string."]} | messageBase64 must be a string."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"messageBase64\": \"eA==\"}}",
            """400 {"message":["Give either message or messageBase64, not both."]} | Give either message or messageBase64, not both."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\"}}",
            """400 {"body":["Give the payload as message (text or any JSON value) or messageBase64 (bytes)."]} | Give the payload as message (text or any JSON value) or messageBase64 (bytes)."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": null}}",
            """400 {"body":["Give the payload as message (text or any JSON value) or messageBase64 (bytes)."]} | Give the payload as message (text or any JSON value) or messageBase64 (bytes)."""),
        ("/send", "application/json", "{\"message\": \"x\"}",
            """400 {"recipient":["recipient is required: the Nym address <identity>.<encryption>@<gateway>."]} | recipient is required: the Nym address <identity>.<encryption>@<gateway>."""),
        ("/send", "application/json", "{\"recipient\": \"nope\", \"messageBase64\": \"not base64!\", \"connectionId\": 0}",
            """400 {"recipient":["The address must contain exactly one '@'; expected <identity>.<encryption>@<gateway>, each part 32 bytes in Base58."],"messageBase64":["messageBase64 is not valid Base64 (RFC 4648, with padding)."],"connectionId":["connectionId must be from 1 to 18446744073709551615; omit it for none (0 means none on the wire)."]} | The address must contain exactly one '@'; expected <identity>.<encryption>@<gateway>, each part 32 bytes in Base58. messageBase64 is not valid Base64 (RFC 4648, with padding). connectionId must be from 1 to 18446744073709551615; omit it for none (0 means none on the wire)."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"\\ud800\"}}",
            """400 {"message":["message contains an unpaired UTF-16 surrogate escape; it cannot be sent as UTF-8."]} | message contains an unpaired UTF-16 surrogate escape; it cannot be sent as UTF-8."""),
        ("/send", "application/json", $"{{\"recipent\": \"{Address}\", \"message\": \"x\"}}",
            """400 {"body":["The body has a field 'recipent' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."]} | The body has a field 'recipent' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": 3}}",
            """400 {"body":["The body has a field 'replySurbs' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."]} | The body has a field 'replySurbs' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"a.b\": 3}}",
            """400 {"body":["The body has a field '['a.b']' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."]} | The body has a field '['a.b']' this endpoint does not know. Allowed: recipient, message, messageBase64, connectionId."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": -5}}",
            """400 {"connectionId":["connectionId must be an integer from 1 to 18446744073709551615, or omitted."]} | connectionId must be an integer from 1 to 18446744073709551615, or omitted."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": 18446744073709551616}}",
            """400 {"connectionId":["connectionId must be an integer from 1 to 18446744073709551615, or omitted."]} | connectionId must be an integer from 1 to 18446744073709551615, or omitted."""),
        ("/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": \"7\"}}",
            """400 {"connectionId":["connectionId must be an integer from 1 to 18446744073709551615, or omitted."]} | connectionId must be an integer from 1 to 18446744073709551615, or omitted."""),
        ("/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": -1}}",
            """400 {"replySurbs":["replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got -1."]} | replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got -1."""),
        ("/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": 1001}}",
            """400 {"replySurbs":["replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 1001."]} | replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 1001."""),
        ("/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": \"20\"}}",
            """400 {"replySurbs":["replySurbs must be an integer from 0 to 1000."]} | replySurbs must be an integer from 0 to 1000."""),
        ("/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": 2.5}}",
            """400 {"replySurbs":["replySurbs must be an integer from 0 to 1000."]} | replySurbs must be an integer from 0 to 1000."""),
        ("/send-anonymous", "application/json", "{\"replySurbs\": 5000, \"connectionId\": 0}",
            """400 {"recipient":["recipient is required: the Nym address <identity>.<encryption>@<gateway>."],"body":["Give the payload as message (text or any JSON value) or messageBase64 (bytes)."],"replySurbs":["replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 5000."],"connectionId":["connectionId must be from 1 to 18446744073709551615; omit it for none (0 means none on the wire)."]} | recipient is required: the Nym address <identity>.<encryption>@<gateway>. Give the payload as message (text or any JSON value) or messageBase64 (bytes). replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 5000. connectionId must be from 1 to 18446744073709551615; omit it for none (0 means none on the wire)."""),
        ("/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"senderTag\": \"{Tag}\"}}",
            """400 {"body":["The body has a field 'senderTag' this endpoint does not know. Allowed: recipient, message, messageBase64, replySurbs, connectionId."]} | The body has a field 'senderTag' this endpoint does not know. Allowed: recipient, message, messageBase64, replySurbs, connectionId."""),
        ("/reply", "application/json", "{\"senderTag\": \"0OIl\", \"message\": \"x\"}",
            """400 {"senderTag":["The sender tag contains '0', which is not a Base58 character (bitcoin alphabet: no 0, O, I or l)."]} | The sender tag contains '0', which is not a Base58 character (bitcoin alphabet: no 0, O, I or l)."""),
        ("/reply", "application/json", "{\"message\": \"x\"}",
            """400 {"senderTag":["senderTag is required: the senderTag of a received message (16 bytes, Base58)."]} | senderTag is required: the senderTag of a received message (16 bytes, Base58)."""),
        ("/reply", "application/json", "{\"senderTag\": 7}",
            """400 {"senderTag":["senderTag must be a string."]} | senderTag must be a string."""),
        ("/reply", "application/json", $"{{\"senderTag\": \"{Tag}\", \"recipient\": \"{Address}\", \"message\": \"x\"}}",
            """400 {"body":["The body has a field 'recipient' this endpoint does not know. Allowed: senderTag, message, messageBase64, connectionId."]} | The body has a field 'recipient' this endpoint does not know. Allowed: senderTag, message, messageBase64, connectionId."""),
        ($"/send?recipient={A}", "application/octet-stream", "",
            """400 {"body":["The body is empty. Send the payload as the body, or send JSON with \"message\": \"\" for an empty message."]} | The body is empty. Send the payload as the body, or send JSON with "message": "" for an empty message."""),
        ("/send", "application/octet-stream", "x",
            """400 {"recipient":["recipient is required: the Nym address <identity>.<encryption>@<gateway>."]} | recipient is required: the Nym address <identity>.<encryption>@<gateway>."""),
        ("/send?recipient=nope&connectionId=0", "application/octet-stream", "",
            """400 {"body":["The body is empty. Send the payload as the body, or send JSON with \"message\": \"\" for an empty message."],"connectionId":["'0' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."],"recipient":["The address must contain exactly one '@'; expected <identity>.<encryption>@<gateway>, each part 32 bytes in Base58."]} | The body is empty. Send the payload as the body, or send JSON with "message": "" for an empty message. '0' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire). The address must contain exactly one '@'; expected <identity>.<encryption>@<gateway>, each part 32 bytes in Base58."""),
        ($"/send?recipient={A}&recipient={A}&connectionId=abc&connectionId=2", "application/octet-stream", "x",
            """400 {"connectionId":["connectionId is given 2 times; give it once."],"recipient":["recipient is given 2 times; give it once.","recipient is required: the Nym address <identity>.<encryption>@<gateway>."]} | connectionId is given 2 times; give it once. recipient is given 2 times; give it once. recipient is required: the Nym address <identity>.<encryption>@<gateway>."""),
        ($"/send?recipient={A}&connectionId=18446744073709551616", "application/octet-stream", "x",
            """400 {"connectionId":["'18446744073709551616' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."]} | '18446744073709551616' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."""),
        ($"/send?recipient={A}&connectionId={new string('9', 60)}", "application/octet-stream", "x",
            """400 {"connectionId":["'9999999999999999999999999999999999999999…' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."]} | '9999999999999999999999999999999999999999…' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."""),
        ($"/send?recipient={A}&surbs=3&Other=1", "application/octet-stream", "x",
            """400 {"surbs":["Unknown query parameter 'surbs'; expected recipient, connectionId."],"Other":["Unknown query parameter 'Other'; expected recipient, connectionId."]} | Unknown query parameter 'surbs'; expected recipient, connectionId. Unknown query parameter 'Other'; expected recipient, connectionId."""),
        ($"/send-anonymous?recipient={A}&replySurbs=many", "application/octet-stream", "x",
            """400 {"replySurbs":["replySurbs must be an integer from 0 to 1000."]} | replySurbs must be an integer from 0 to 1000."""),
        ($"/send-anonymous?replySurbs=-1&connectionId=x", "application/octet-stream", "x",
            """400 {"connectionId":["'x' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire)."],"recipient":["recipient is required: the Nym address <identity>.<encryption>@<gateway>."],"replySurbs":["replySurbs must be an integer from 0 to 1000."]} | 'x' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire). recipient is required: the Nym address <identity>.<encryption>@<gateway>. replySurbs must be an integer from 0 to 1000."""),
        ($"/send-anonymous?recipient={A}&replySurbs=1001", "application/octet-stream", "x",
            """400 {"replySurbs":["replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 1001."]} | replySurbs must be from 0 to 1000 (Nym:MaxReplySurbs); got 1001."""),
        ("/reply", "application/octet-stream", "x",
            """400 {"senderTag":["senderTag is required: the senderTag of a received message (16 bytes, Base58)."]} | senderTag is required: the senderTag of a received message (16 bytes, Base58)."""),
        ("/reply?senderTag=abc&recipient=x", "application/octet-stream", "x",
            """400 {"recipient":["Unknown query parameter 'recipient'; expected senderTag, connectionId."],"senderTag":["The sender tag decodes to 3 bytes; expected 16."]} | Unknown query parameter 'recipient'; expected senderTag, connectionId. The sender tag decodes to 3 bytes; expected 16."""),
        ("/send", "text/plain", "hello",
            """415 | Content-Type 'text/plain' is not supported. Send application/json with message or messageBase64, or application/octet-stream with the payload as the body and the other fields in the query string."""),
        ("/send-anonymous", null, "x",
            """415 | Content-Type '(none)' is not supported. Send application/json with message or messageBase64, or application/octet-stream with the payload as the body and the other fields in the query string."""),
        ("/reply", "application/x-www-form-urlencoded", "senderTag=x",
            """415 | Content-Type 'application/x-www-form-urlencoded' is not supported. Send application/json with message or messageBase64, or application/octet-stream with the payload as the body and the other fields in the query string."""),
    ];

    [Fact]
    public async Task Every_send_problem_keeps_its_words()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:MaxMessageBytes"] = "1000" });
        var actual = new List<string>();
        foreach (var (path, contentType, body, _) in Cases)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            var response = await host.Client.PostAsync(path, content).WaitAsync(TestTimeout.Default);
            actual.Add(await DescribeAsync(response));
        }

        Assert.Equal(Cases.Select(c => c.Expected), actual);
        Assert.Empty(host.SentFrames());
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        var problem = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
        var errors = problem.TryGetProperty("errors", out var e) ? " " + e.GetRawText() : "";
        return $"{(int)response.StatusCode}{errors} | {problem.GetProperty("detail").GetString()}";
    }
}
