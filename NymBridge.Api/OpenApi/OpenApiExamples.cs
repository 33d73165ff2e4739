using NymBridge.Api.Sending;

namespace NymBridge.Api.OpenApi;

/// <summary>Example values shown in Swagger UI. The address is the one nym's own tests use.</summary>
public static class OpenApiExamples
{
    public const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    public const string SenderTag = "7Ls8mWq6rCQ1kE2bB7g6Zw";
}

/// <summary>Request examples of the send endpoints.</summary>
public static class SendExamples
{
    public static readonly SendBody Send = new() { Recipient = OpenApiExamples.Address, Message = System.Text.Json.JsonDocument.Parse("\"hello\"").RootElement };

    public static readonly SendAnonymousBody SendAnonymous = new()
    {
        Recipient = OpenApiExamples.Address,
        Message = System.Text.Json.JsonDocument.Parse("\"hello, reply if you like\"").RootElement,
        ReplySurbs = 20,
    };

    public static readonly ReplyBody Reply = new() { SenderTag = OpenApiExamples.SenderTag, MessageBase64 = "aGVsbG8=" };
}
