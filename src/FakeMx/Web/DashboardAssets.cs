using FakeMx.Events;
using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FakeMx.Web;

/// <summary>
/// The dashboard's files (page, script, style, the vendored Chart.js), embedded in the
/// executable so FakeMX serves every byte itself: the server may have no internet access, and
/// a page that pulls scripts from a CDN would leak its viewers to a third party. Served with a
/// strict Content-Security-Policy (scripts from this origin only), so even a string that
/// slipped past the page's escaping could not run.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "wwwroot/";

    private const string Policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static void Map(IEndpointRouteBuilder routes)
    {
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        routes.MapMethods("/", methods, (HttpContext context) => Serve(context, "index.html"));
        routes.MapMethods("/assets/{**path}", methods, (HttpContext context, string path) => Serve(context, path));
    }

    private static IResult Serve(HttpContext context, string path)
    {
        if (!Assets.TryGetValue(path, out var asset))
        {
            return Results.Json(new ApiError($"no such file: /assets/{path}"), EventJson.Compact,
                statusCode: StatusCodes.Status404NotFound);
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal));
        foreach (var name in names)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var etag = "\"" + Convert.ToHexString(SHA256.HashData(content))[..16] + "\"";
            assets[name[Prefix.Length..]] = new Asset(content, ContentTypeOf(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
