namespace NymBridge.Api.Messages;

public static class MessagesServiceCollectionExtensions
{
    /// <summary>The per-event views (<see cref="EventViews"/>) shared by long-poll, SSE and the hub, and the page writer.</summary>
    public static IServiceCollection AddMessages(this IServiceCollection services) => services.AddSingleton<EventViews>().AddSingleton<MessagePageJson>();
}
