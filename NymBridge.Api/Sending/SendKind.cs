namespace NymBridge.Api.Sending;

public enum SendKind
{
    Send,
    SendAnonymous,
    Reply,
}
