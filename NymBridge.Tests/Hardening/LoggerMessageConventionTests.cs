using System.Reflection;
using Microsoft.Extensions.Logging;
using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Hardening;

/// <summary>
/// Every log line of the bridge can be filtered and alerted on by its event: each <c>[LoggerMessage]</c>
/// names its event, and no two share an id (each class has its own range of a thousand).
/// </summary>
public sealed class LoggerMessageConventionTests
{
    private static readonly List<(string Method, LoggerMessageAttribute Attribute)> Messages =
        typeof(InboxOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Method, m.Attribute!))
            .ToList();

    [Fact]
    public void The_bridge_has_logger_messages_to_check()
    {
        Assert.True(Messages.Count >= 20, $"Found only {Messages.Count} [LoggerMessage] methods in NymBridge.Api.");
    }

    [Fact]
    public void Every_logger_message_names_its_event()
    {
        var unnamed = Messages.Where(m => string.IsNullOrWhiteSpace(m.Attribute.EventName)).Select(m => m.Method).ToList();

        Assert.True(unnamed.Count == 0, "Without an EventName: " + string.Join(", ", unnamed));
    }

    [Fact]
    public void Event_ids_and_names_are_unique_across_the_assembly()
    {
        var sharedIds = Messages.GroupBy(m => m.Attribute.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        var sharedNames = Messages.Where(m => !string.IsNullOrWhiteSpace(m.Attribute.EventName))
            .GroupBy(m => m.Attribute.EventName, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();

        Assert.True(sharedIds.Count == 0, "Event ids used twice: " + string.Join("; ", sharedIds));
        Assert.True(sharedNames.Count == 0, "Event names used twice: " + string.Join("; ", sharedNames));
    }

    [Fact]
    public void Each_class_keeps_its_events_in_one_range_of_a_thousand_of_its_own()
    {
        var rangesByClass = Messages.GroupBy(m => m.Method[..m.Method.LastIndexOf('.')])
            .ToDictionary(g => g.Key, g => g.Select(m => m.Attribute.EventId / 1000).Distinct().ToList());

        var spread = rangesByClass.Where(c => c.Value.Count != 1).Select(c => c.Key).ToList();
        Assert.True(spread.Count == 0, "Ids in more than one range of a thousand: " + string.Join(", ", spread));
        var sharedRanges = rangesByClass.GroupBy(c => c.Value[0]).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key * 1000}s: {string.Join(", ", g.Select(c => c.Key))}").ToList();
        Assert.True(sharedRanges.Count == 0, "Ranges shared by classes: " + string.Join("; ", sharedRanges));
        Assert.DoesNotContain(rangesByClass, c => c.Value[0] == 0);
    }
}
