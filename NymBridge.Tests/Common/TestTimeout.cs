using System.Diagnostics;

namespace NymBridge.Tests.Common;

/// <summary>
/// How long a test waits for something before it fails: one place for the whole suite, so a slow machine is
/// mended here rather than in a dozen constants. The values are generous because the machine is shared;
/// a passing test never waits for them. A debugger stepping through a test gets all the time it needs.
/// </summary>
public static class TestTimeout
{
    private static readonly TimeSpan Debugging = TimeSpan.FromHours(1);

    /// <summary>For anything in process or on loopback: a frame, a response, a start, a shutdown.</summary>
    public static TimeSpan Default => Debugger.IsAttached ? Debugging : TimeSpan.FromSeconds(30);

    /// <summary>For a child process to start and answer: the bridge, an example provider.</summary>
    public static TimeSpan ProcessStart => Debugger.IsAttached ? Debugging : TimeSpan.FromSeconds(60);

    /// <summary>For the SDK and npm: publish, install, a linter.</summary>
    public static TimeSpan Tool => Debugger.IsAttached ? Debugging : TimeSpan.FromMinutes(5);
}
