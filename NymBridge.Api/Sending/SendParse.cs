using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>The outcome of reading a send: a request ready for nym-client, or the problem to answer.</summary>
public readonly record struct SendParse(MessageRequest? Request, ProblemHttpResult? Problem)
{
    public static SendParse Ok(MessageRequest request) => new(request, null);
    public static SendParse Fail(ProblemHttpResult problem) => new(null, problem);
    public static SendParse Fail(SendErrors errors) => new(null, Problems.Validation(errors.ToDictionary()));
    public static SendParse Fail(string field, string message) => new(null, Problems.Validation(field, message));
}
