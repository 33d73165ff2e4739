using NymBridge.Api.Sending;

namespace NymBridge.Api.OpenApi;

public static class EndpointOpenApiExtensions
{
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, int statusCode, object example) =>
        builder.WithMetadata(new ResponseExampleMetadata(statusCode, example));

    /// <summary>Describes a send endpoint: its JSON body, its raw-bytes form, and every answer it can give.</summary>
    public static RouteHandlerBuilder AcceptsSendBody<TBody>(this RouteHandlerBuilder builder, TBody example) where TBody : notnull
    {
        var queryFields = example switch
        {
            SendBody => new[] { Recipient(), ConnectionId() },
            SendAnonymousBody => [Recipient(), new QueryField("replySurbs", "Reply SURBs to attach (default 20, at most Nym:MaxReplySurbs).", "integer", false, "0", OpenApiIntegerAttribute.MaxReplySurbs), ConnectionId()],
            _ => [new QueryField("senderTag", "The sender tag of the received message.", "string", true), ConnectionId()],
        };

        return builder
            .WithMetadata(new SendBodyMetadata(typeof(TBody), queryFields))
            .WithMetadata(new RequestExampleMetadata(example))
            .Produces<SendResult>(StatusCodes.Status202Accepted)
            .Produces<SendResult>(StatusCodes.Status200OK)
            .WithResponseExample(StatusCodes.Status202Accepted, new SendResult(5))
            .WithResponseExample(StatusCodes.Status200OK, new SendResult(5, 7, 0))
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        static QueryField Recipient() => new("recipient", "The recipient's Nym address.", "string", true);
        static QueryField ConnectionId() => new("connectionId", "Optional lane, 1 to 2^64-1.", "integer", false, "1", OpenApiIntegerAttribute.UInt64Max);
    }
}
