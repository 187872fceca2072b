using FakeMx.Events;
using FakeMx.Reports;
using FakeMx.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FakeMx.Web;

/// <summary>
/// The JSON API over the event store: <c>/api/stats</c>, <c>/api/events</c>,
/// <c>/api/timeseries</c>. Read-only; bad parameters get 400 with <c>{"error": "..."}</c>
/// naming the parameter; no store configured gets 503.
/// </summary>
internal static class ApiEndpoints
{
    /// <summary>The most points one time series may hold, so a tiny step cannot ask the store
    /// for millions of buckets.</summary>
    public const int MaxPoints = 2000;

    public const int MaxEvents = 1000;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/stats", (Delegate)StatsAsync);
        routes.MapGet("/api/events", (Delegate)EventsAsync);
        routes.MapGet("/api/timeseries", (Delegate)TimeSeriesAsync);
        routes.MapGet("/api/export", (Delegate)ExportAsync);
        routes.MapGet("/api/report/domains", (Delegate)DomainReportAsync);
    }

    private static Task<IResult> ExportAsync(HttpContext context) => RunAsync(context, (store, token) =>
        Exports(context, store, out var problem)?.HandleExportAsync(context.Request.Query, token)
            ?? Task.FromResult(AllowListUnusable(problem!)));

    private static Task<IResult> DomainReportAsync(HttpContext context) => RunAsync(context, (store, token) =>
        Exports(context, store, out var problem)?.HandleDomainReportAsync(context.Request.Query, token)
            ?? Task.FromResult(AllowListUnusable(problem!)));

    /// <summary>An unreadable allow list must not widen a blocklist: refuse rather than list all.</summary>
    private static IResult AllowListUnusable(string problem) =>
        Results.Json(new ApiError($"the allow list cannot be used: {problem}"), EventJson.Compact,
            statusCode: StatusCodes.Status500InternalServerError);

    /// <summary>
    /// The export service with the server's own allow list, read afresh for each request so an
    /// edited list applies at once, as it does for the SMTP listener.
    /// </summary>
    private static ExportService? Exports(HttpContext context, IEventStore store, out string? problem)
    {
        problem = null;
        var allowList = AddressListFile.Empty;
        var path = context.RequestServices.GetRequiredService<AbuseOptions>().AllowList;
        if (path is not null && !AddressListFile.TryLoad(path, out allowList, out var problems))
        {
            problem = problems[0];
            return null;
        }

        return new ExportService(store, TimeProvider.System, allowList);
    }

    private static Task<IResult> StatsAsync(HttpContext context) => RunAsync(context, async (store, token) =>
    {
        var query = new ApiQuery(context.Request, DateTimeOffset.UtcNow, "since", "until", "domain", "top");
        var since = query.Since(ApiQuery.DefaultWindow);
        var until = query.Until();
        var domain = query.Domain();
        var top = (int)(query.Number("top", 1, 1000) ?? 10);
        if (until is not null && until <= since)
        {
            query.Fail("until: must be later than since");
        }

        if (query.Problem is not null)
        {
            return BadRequest(context, query.Problem);
        }

        var report = await store.GetStatsAsync(new StatsQuery(since, until, domain, top), token);
        return Results.Json(report, EventJson.Compact);
    });

    private static Task<IResult> EventsAsync(HttpContext context) => RunAsync(context, async (store, token) =>
    {
        var query = new ApiQuery(context.Request, DateTimeOffset.UtcNow, "since", "ip", "domain", "limit", "afterId");
        var since = context.Request.Query.ContainsKey("since")
            ? query.Since(ApiQuery.DefaultWindow)
            : (DateTimeOffset?)null;
        var ip = query.Ip();
        var domain = query.Domain();
        var limit = (int)(query.Number("limit", 1, MaxEvents) ?? 100);
        var afterId = query.Number("afterId", 0, long.MaxValue);
        if (query.Problem is not null)
        {
            return BadRequest(context, query.Problem);
        }

        var events = await store.GetEventsAsync(new EventQuery(since, ip, domain, limit, afterId), token);
        return Results.Json(events, EventJson.Compact);
    });

    private static Task<IResult> TimeSeriesAsync(HttpContext context) => RunAsync(context, async (store, token) =>
    {
        var now = DateTimeOffset.UtcNow;
        var query = new ApiQuery(context.Request, now, "since", "step", "domain");
        var since = query.Since(ApiQuery.DefaultWindow);
        var domain = query.Domain();
        var step = query.Step() ?? AutomaticStep(now - since);
        if (since >= now)
        {
            query.Fail("since: must be in the past");
        }
        else if ((now - since) / step > MaxPoints)
        {
            query.Fail($"step: {Hosting.Duration.Format(step)} over that window makes more than {MaxPoints} " +
                "points; use a longer step or a later since");
        }

        if (query.Problem is not null)
        {
            return BadRequest(context, query.Problem);
        }

        var points = await store.GetTimeSeriesAsync(since, step, domain, token);
        return Results.Json(new { since, step = (long)step.TotalSeconds, points }, EventJson.Compact);
    });

    /// <summary>About 60 points over the window, on a round step (1m, 5m, 15m, 1h, 6h, 1d).</summary>
    public static TimeSpan AutomaticStep(TimeSpan window)
    {
        TimeSpan[] steps =
        [
            TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1),
            TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7),
        ];
        return steps.FirstOrDefault(s => window / s <= 60, steps[^1]);
    }

    private static async Task<IResult> RunAsync(
        HttpContext context,
        Func<IEventStore, CancellationToken, Task<IResult>> action)
    {
        var store = context.RequestServices.GetService<IEventStore>();
        if (store is null)
        {
            return Results.Json(new ApiError("no event store is configured, so there is nothing to query"),
                EventJson.Compact, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            return await action(store, context.RequestAborted);
        }
        catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
        {
            WebLog.StoreFailed(Logger(context), context.Request.Path, error);
            return Results.Json(new ApiError($"the event store query failed: {error.Message}"),
                EventJson.Compact, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static IResult BadRequest(HttpContext context, string problem)
    {
        WebLog.BadRequest(Logger(context), context.Request.Path, problem);
        return Results.Json(new ApiError(problem), EventJson.Compact, statusCode: StatusCodes.Status400BadRequest);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("FakeMx.Web");
}
