namespace NymBridge.Api.Shutdown;

public static class ShutdownServiceCollectionExtensions
{
    /// <summary>
    /// <c>Bridge:ShutdownTimeout</c> becomes the host's shutdown timeout, and every registered
    /// <see cref="IShutdownParticipant"/> hears of a stop as soon as it begins.
    /// </summary>
    /// <remarks>
    /// The value is read from configuration rather than from validated options: the host reads its options
    /// when it is built, before <c>ValidateOnStart</c> reports an invalid value with every other error.
    /// </remarks>
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services)
    {
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
        {
            if (BridgeOptions.From(configuration).ShutdownTimeout is { Ticks: > 0 } timeout)
            {
                host.ShutdownTimeout = timeout;
            }
        });
        services.AddHostedService<ShutdownCoordinator>();
        return services;
    }
}
