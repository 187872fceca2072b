using FakeMx.Events;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FakeMx.Web;

/// <summary>
/// Lets a request through only with the access token, when one is set. Scripts and Prometheus
/// send <c>Authorization: Bearer TOKEN</c>; a browser opens the dashboard once as
/// <c>/?token=TOKEN</c>, gets the token in an HttpOnly cookie, and is redirected to the same
/// page without it so the token does not stay in the address bar or history. The health
/// endpoints stay open: they say only "ok" or not, and load balancers rarely send headers.
/// </summary>
internal sealed class TokenGate
{
    public const string CookieName = "fakemx_token";

    private readonly byte[]? _token;
    private readonly ILogger _logger;

    public TokenGate(HttpOptions options, ILogger logger)
    {
        _logger = logger;
        _token = options.Token is null ? null : Encoding.UTF8.GetBytes(options.Token);
    }

    public bool Enabled => _token is not null;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (_token is null || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"))
        {
            await next(context);
            return;
        }

        if (Matches(BearerOf(context.Request)) || Matches(context.Request.Cookies[CookieName]))
        {
            await next(context);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method) && Matches(context.Request.Query["token"]))
        {
            context.Response.Cookies.Append(CookieName, context.Request.Query["token"]!, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            var query = QueryString.Create(context.Request.Query
                .Where(q => q.Key != "token")
                .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))));
            // A path starting "//" would redirect to another host: send such requests home.
            var target = path.Value is { } value && value.StartsWith("//", StringComparison.Ordinal)
                ? "/"
                : context.Request.PathBase + path + query;
            context.Response.Redirect(target);
            return;
        }

        var peer = context.Connection;
        WebLog.Unauthorized(_logger, peer.RemoteIpAddress?.ToString() ?? "?", peer.RemotePort,
            context.Request.Method, path.ToString());
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"fakemx\"";
        await context.Response.WriteAsJsonAsync(new ApiError(
            "an access token is required: send 'Authorization: Bearer TOKEN' (or open /?token=TOKEN once)"),
            EventJson.Compact);
    }

    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private bool Matches(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || _token is null)
        {
            return false;
        }

        // Constant time, so the token cannot be guessed byte by byte from response times.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);
    }
}
