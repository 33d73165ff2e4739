using System.Reflection;

namespace NymBridge.Tests.Browser;

/// <summary>
/// A browser test written as a plain [Fact] would fail, not skip, on a machine without Chromium (xunit 2
/// reports a dynamic skip only from Xunit.SkippableFact's attributes): this finds one before such a machine does.
/// </summary>
public class BrowserTestConventionTests
{
    [Fact]
    public void Every_test_in_Browser_is_a_SkippableFact_or_SkippableTheory()
    {
        var plain = typeof(BrowserTestConventionTests).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(BrowserTestConventionTests).Namespace && t != typeof(BrowserTestConventionTests))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any(a => a is not (SkippableFactAttribute or SkippableTheoryAttribute)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.True(plain.Count == 0,
            $"Use [SkippableFact] (or [SkippableTheory]) and call Chromium.SkipUnlessAvailable() first in: {string.Join(", ", plain)}");
    }
}
