namespace NymBridge.Api.Messages;

public static class MessagesServiceCollectionExtensions
{
    /// <summary>
    /// The per-event views (<see cref="EventViews"/>) shared by long-poll, SSE and the hub, the page writer, and the
    /// 503 for an inbox store that cannot be reached (<see cref="InboxUnavailableExceptionHandler"/>).
    /// </summary>
    public static IServiceCollection AddMessages(this IServiceCollection services)
    {
        services.AddExceptionHandler<InboxUnavailableExceptionHandler>();
        return services.AddSingleton<EventViews>().AddSingleton<MessagePageJson>();
    }
}
