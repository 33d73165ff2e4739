namespace NymBridge.Tests.Common;

/// <summary>A directory under the temp path, removed with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("nymbridge-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Gone already, or a killed child still holds a file for a moment; the OS cleans temp.
        }
    }
}
