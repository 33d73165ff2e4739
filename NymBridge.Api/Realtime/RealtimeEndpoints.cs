namespace NymBridge.Api.Realtime;

public static class RealtimeEndpoints
{
    /// <summary>Maps <see cref="MessagesHub"/> at <see cref="MessagesHub.Path"/>.</summary>
    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder routes)
    {
        routes.MapHub<MessagesHub>(MessagesHub.Path);
        return routes;
    }
}
