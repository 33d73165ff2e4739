namespace NymBridge.Api.Cluster;

public sealed partial class LeaderLease
{
    private static partial class Log
    {
        [LoggerMessage(8001, LogLevel.Information, "This instance leads the cluster (term {Term})", EventName = "ClusterLeading")]
        public static partial void Gained(ILogger logger, long term);

        [LoggerMessage(8002, LogLevel.Warning, "This instance no longer leads the cluster (term {Term}): {Reason}", EventName = "ClusterLeadershipLost")]
        public static partial void Lost(ILogger logger, long term, string reason);

        [LoggerMessage(8003, LogLevel.Warning, "Could not renew the leader lease ({Error}); retrying", EventName = "ClusterLeaseRenewFailed")]
        public static partial void RenewFailed(ILogger logger, string error);

        [LoggerMessage(8004, LogLevel.Debug, "Could not read or take the leader lease ({Error})", EventName = "ClusterLeaseReadFailed")]
        public static partial void RedisFailed(ILogger logger, string error);

        [LoggerMessage(8005, LogLevel.Warning, "Could not release the leader lease ({Error}); it expires on its own", EventName = "ClusterLeaseReleaseFailed")]
        public static partial void ReleaseFailed(ILogger logger, string error);

        [LoggerMessage(8006, LogLevel.Error, "A leadership change handler failed", EventName = "ClusterLeadershipHandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, Exception error);
    }
}
