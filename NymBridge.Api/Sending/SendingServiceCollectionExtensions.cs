namespace NymBridge.Api.Sending;

public static class SendingServiceCollectionExtensions
{
    public static IServiceCollection AddSending(this IServiceCollection services)
    {
        services.AddSingleton<SendRequestParser>();
        services.AddSingleton<IdempotencyStore>();
        return services;
    }
}
