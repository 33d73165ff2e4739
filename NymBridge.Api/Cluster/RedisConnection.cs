using System.Net.Sockets;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>Turns <c>Cluster:Redis</c> into StackExchange.Redis options, including the <c>!/path/redis.sock</c> unix socket form.</summary>
public static class RedisConnection
{
    public static bool TryParse(string configuration, out ConfigurationOptions? options, out string? error)
    {
        options = null;
        error = null;
        var text = configuration.Trim();
        string? socket = null;
        if (text.StartsWith('!'))
        {
            // "!/run/redis/redis.sock,password=..." — the socket path ends at the first comma, like a host:port would.
            var comma = text.IndexOf(',');
            socket = comma < 0 ? text[1..] : text[1..comma];
            text = comma < 0 ? "" : text[(comma + 1)..];
            if (!Path.IsPathFullyQualified(socket))
            {
                error = "must give the unix socket as an absolute path after '!', e.g. !/run/redis/redis.sock.";
                return false;
            }
        }

        try
        {
            // Parse refuses an empty string, which a bare "!/path" leaves.
            options = text.Length == 0 ? new ConfigurationOptions() : ConfigurationOptions.Parse(text, ignoreUnknown: false);
        }
        catch (ArgumentException e)
        {
            // The message names the keyword; a password that parses never fails, so it is not in it.
            error = $"is not a valid StackExchange.Redis configuration string: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}";
            return false;
        }

        if (socket is not null)
        {
            options.EndPoints.Add(new UnixDomainSocketEndPoint(socket));
        }

        if (options.EndPoints.Count == 0)
        {
            error = "names no server: host:port (e.g. localhost:6379) or !/path/redis.sock.";
            options = null;
            return false;
        }

        // A bridge that starts before Redis keeps trying instead of failing start-up; /status says it is not connected.
        options.AbortOnConnectFail = false;
        return true;
    }

    public static ConfigurationOptions Parse(string configuration) =>
        TryParse(configuration, out var options, out var error) ? options! : throw new ArgumentException($"Cluster:Redis {error}", nameof(configuration));
}
