using Microsoft.Extensions.Configuration;
using NymBridge.Api.Hosting;

namespace NymBridge.Tests.Hosting;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class DataDirectoryTests
{
    [Fact]
    public void By_default_it_is_nymbridge_in_the_users_local_application_data()
    {
        var directory = DataDirectory.FromConfiguration(new ConfigurationBuilder().Build());

        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "nymbridge"), directory.Path);
    }

    [Fact]
    public void Bridge_DataDirectory_replaces_it_and_relative_files_resolve_under_it()
    {
        using var temp = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bridge:DataDirectory"] = temp.Path }).Build();

        var directory = DataDirectory.FromConfiguration(configuration);

        Assert.Equal(temp.Path, directory.Path);
        Assert.Equal(Path.Combine(temp.Path, "webhooks", "secret"), directory.Resolve("webhooks/secret"));
        Assert.Equal("/srv/other.db", directory.Resolve("/srv/other.db"));
    }

    [Fact]
    public void It_is_created_only_when_asked_and_then_private_to_its_owner()
    {
        using var temp = new TempDirectory();
        var directory = new DataDirectory(Path.Combine(temp.Path, "a", "nymbridge"));

        Assert.False(Directory.Exists(directory.Path));
        directory.EnsureExists();

        Assert.Equal(PrivateFiles.DirectoryMode, File.GetUnixFileMode(directory.Path));
    }

    [Fact]
    public void A_private_file_is_created_0600_and_an_existing_one_is_tightened()
    {
        using var temp = new TempDirectory();
        var fresh = Path.Combine(temp.Path, "fresh.db");
        var existing = Path.Combine(temp.Path, "old.db");
        File.WriteAllText(existing, "x");
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        PrivateFiles.CreateFile(fresh);
        PrivateFiles.CreateFile(existing);

        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(fresh));
        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(existing));
        Assert.Equal("x", File.ReadAllText(existing));
    }
}
