namespace NymBridge.Tests.Common;

/// <summary>The checkout the tests run from: where openapi.json, the examples and the projects are.</summary>
internal static class Repository
{
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NymBridge.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("NymBridge.sln not found above the test binaries.");
    }
}
