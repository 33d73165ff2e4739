using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;

namespace NymBridge.Tests.Cluster;

/// <summary>The store contract every other store meets, on a real redis-server; each store its own key prefix.</summary>
[Collection(SharedRedis.Name)]
public sealed class RedisInboxStoreConformanceTests(RedisServer redis) : InboxStoreConformanceTests
{
    protected override IInboxStore Create(long capacity, long maxBytes) =>
        new RedisInboxStore(redis.Connection, new RedisInboxKeys("t" + Guid.NewGuid().ToString("N")), new InboxOptions { Capacity = capacity, MaxBytes = maxBytes });
}
