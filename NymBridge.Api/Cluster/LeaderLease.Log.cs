namespace NymBridge.Api.Cluster;

public sealed partial class LeaderLease
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "This instance leads the cluster (term {Term})")]
        public static partial void Gained(ILogger logger, long term);

        [LoggerMessage(2, LogLevel.Warning, "This instance no longer leads the cluster (term {Term}): {Reason}")]
        public static partial void Lost(ILogger logger, long term, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Could not renew the leader lease ({Error}); retrying")]
        public static partial void RenewFailed(ILogger logger, string error);

        [LoggerMessage(4, LogLevel.Debug, "Could not read or take the leader lease ({Error})")]
        public static partial void RedisFailed(ILogger logger, string error);

        [LoggerMessage(5, LogLevel.Warning, "Could not release the leader lease ({Error}); it expires on its own")]
        public static partial void ReleaseFailed(ILogger logger, string error);

        [LoggerMessage(6, LogLevel.Error, "A leadership change handler failed")]
        public static partial void HandlerFailed(ILogger logger, Exception error);
    }
}
