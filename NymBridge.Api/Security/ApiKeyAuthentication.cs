using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Security;

/// <summary>
/// <c>Bridge:ApiKey</c>: whoever reaches the bridge can send as its user and read their inbox, so
/// the key is the user. Accepted as <c>Authorization: Bearer KEY</c>, <c>X-Api-Key: KEY</c>, or
/// (for SignalR and EventSource, which cannot set headers in browsers) <c>?access_token=KEY</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<BridgeOptions> bridge)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string QueryName = "access_token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Registered only when a key is configured (StartupSecurity.HasApiKey); without one nothing authenticates.
        var configured = bridge.Value.ApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = PresentedKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(Matches(presented, configured) ? Success() : AuthenticateResult.Fail("The API key is wrong."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var wrong = PresentedKey(Request) is not null;
        await Results.Problem(
            wrong
                ? "The API key is wrong. Send the key configured in Bridge:ApiKey."
                : $"This bridge requires its API key: send 'Authorization: Bearer <key>' or '{HeaderName}: <key>' (SignalR and event streams: ?{QueryName}=<key>).",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized").ExecuteAsync(Context);
    }

    private static AuthenticateResult Success() =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], SchemeName)), SchemeName));

    private static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (request.Headers[HeaderName] is { Count: > 0 } header)
        {
            return header.ToString();
        }

        return request.Query[QueryName] is { Count: > 0 } query ? query.ToString() : null;
    }

    /// <summary>Constant time: hashing first makes the comparison independent of where the strings differ and of their lengths.</summary>
    private static bool Matches(string presented, string configured) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
}
