using NymBridge.Api.Sending;

namespace NymBridge.Api.OpenApi;

public static class EndpointOpenApiExtensions
{
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, int statusCode, object example) =>
        builder.WithMetadata(new ResponseExampleMetadata(statusCode, example));

    /// <summary>Describes a send endpoint from its row of <see cref="SendKinds"/>: its JSON body, its raw-bytes form, and every answer it can give.</summary>
    public static RouteHandlerBuilder AcceptsSendBody(this RouteHandlerBuilder builder, SendKindDefinition kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var queryFields = kind.Fields
            .Where(f => f.InQuery)
            .Select(f => new QueryField(f.Name, f.Members[0].Description, f.QueryType!, f.Required, f.Minimum, f.Maximum))
            .ToArray();

        return builder
            .WithMetadata(new SendBodyMetadata(kind.JsonBody, queryFields))
            .WithMetadata(new RequestExampleMetadata(kind.Example))
            .Produces<SendResult>(StatusCodes.Status202Accepted)
            .Produces<SendResult>(StatusCodes.Status200OK)
            .WithResponseExample(StatusCodes.Status202Accepted, new SendResult(5))
            .WithResponseExample(StatusCodes.Status200OK, new SendResult(5, 7, 0))
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
