namespace NymBridge.Api.Sending;

public static class SendingServiceCollectionExtensions
{
    public static IServiceCollection AddSending(this IServiceCollection services)
    {
        services.AddSingleton<SendContentReader>();
        services.AddSingleton<SendFieldRules>();
        services.AddSingleton<SendJsonReader>();
        services.AddSingleton<SendQueryReader>();
        services.AddSingleton<SendRequestParser>();
        services.AddSingleton<IdempotencyStore>();
        return services;
    }
}
