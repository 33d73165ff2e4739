using NymBridge.Protocol;

namespace NymBridge.Tests.Common;

/// <summary>What a test made the emulator push: a received message (with or without a sender tag) or an error.</summary>
internal sealed record InjectedEvent(byte[] Payload, SenderTag? Tag, bool IsError, ErrorKind Kind = ErrorKind.Other)
{
    /// <summary>Asserts that <paramref name="actual"/>, an event as the API shows it, is this one.</summary>
    public void AssertIs(System.Text.Json.JsonElement actual)
    {
        if (IsError)
        {
            Assert.Equal("error", actual.GetProperty("type").GetString());
            Assert.Equal("malformedRequest", actual.GetProperty("kind").GetString());
            Assert.Equal(System.Text.Encoding.UTF8.GetString(Payload), actual.GetProperty("message").GetString());
            return;
        }

        Assert.Equal("received", actual.GetProperty("type").GetString());
        Assert.Equal(Payload, Convert.FromBase64String(actual.GetProperty("messageBase64").GetString()!));
        Assert.Equal(Payload.Length, actual.GetProperty("size").GetInt32());
        Assert.Equal(Tag?.ToString(), actual.GetProperty("senderTag").GetString());
    }
}
