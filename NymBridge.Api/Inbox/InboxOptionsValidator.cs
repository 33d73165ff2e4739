using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;

namespace NymBridge.Api.Inbox;

/// <summary>
/// The store must match the mode: Redis exactly when <c>Cluster:Redis</c> is set. Reported with the other start-up
/// errors; data-annotation ranges are checked beside it.
/// </summary>
internal sealed class InboxOptionsValidator(IConfiguration configuration) : IValidateOptions<InboxOptions>
{
    public ValidateOptionsResult Validate(string? name, InboxOptions options)
    {
        var cluster = InboxServiceCollectionExtensions.IsClusterMode(configuration);
        if (cluster && options.Store != InboxStoreKind.Redis)
        {
            // Several instances each with a file or memory inbox of their own would each see only the leader's share.
            return ValidateOptionsResult.Fail(
                $"Inbox:Store is {options.Store}, but Cluster:Redis is set: in cluster mode every instance reads the one inbox in Redis. Remove Inbox:Store (or set it to Redis).");
        }

        if (!cluster && options.Store == InboxStoreKind.Redis)
        {
            return ValidateOptionsResult.Fail(
                "Inbox:Store is Redis, which needs cluster mode: set Cluster:Redis (and the rest of the Cluster section), or use Sqlite or Memory.");
        }

        return ValidateOptionsResult.Success;
    }
}
