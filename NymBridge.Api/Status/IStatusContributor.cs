namespace NymBridge.Api.Status;

/// <summary>
/// A part of the bridge (inbox, subscribers, webhooks…) that reports its counters in <c>/status</c>, under
/// <see cref="Name"/> in <c>components</c>. Implement <see cref="IStatusContributor{TStatus}"/>; this
/// untyped face is only what <c>/status</c> collects.
/// </summary>
public interface IStatusContributor
{
    string Name { get; }

    /// <summary>The part's status record; <c>/status</c> serializes it by its runtime type, so its JSON is the record's.</summary>
    object GetStatus();
}

/// <summary>A status contributor with its own status record, <typeparamref name="TStatus"/>.</summary>
public interface IStatusContributor<out TStatus> : IStatusContributor where TStatus : class
{
    new TStatus GetStatus();

    object IStatusContributor.GetStatus() => GetStatus();
}
