using FakeMx.Events;
using Microsoft.AspNetCore.Http;

namespace FakeMx.Reports;

/// <summary>
/// Produces exports and the domain report from a store, for the CLI and for HTTP
/// (<c>/api/export</c> and <c>/api/report/domains</c>, mapped by the web API behind its token).
/// </summary>
public sealed class ExportService
{
    private readonly IEventStore _store;
    private readonly TimeProvider _time;
    private readonly AddressListFile _allowList;

    /// <param name="allowList">Addresses never exported (the server's allow list).</param>
    public ExportService(IEventStore store, TimeProvider time, AddressListFile allowList)
    {
        _store = store;
        _time = time;
        _allowList = allowList;
    }

    /// <summary>The export's content type and bytes.</summary>
    public async Task<(string ContentType, byte[] Content)> ExportAsync(
        ExportRequest request,
        CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var sessions = EventPages.ReadAsync(_store, now - request.Criteria.Since, null, cancellationToken);
        var selection = ExportSelection.Select(await ToListAsync(sessions), request.Criteria, now);
        return (ExportFormatter.ContentType(request.Format),
            ExportFormatter.ToBytes(request.Format, selection, request.Criteria));
    }

    /// <summary>
    /// <c>GET /api/export?format=&amp;since=&amp;min_sessions=&amp;pregreet_only=&amp;family=&amp;reject_text=</c>:
    /// the export, or 400 with the problem in plain text.
    /// </summary>
    public async Task<IResult> HandleExportAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        string? Get(string name) => query.TryGetValue(name, out var values) ? values.ToString() : null;
        var pregreet = Get("pregreet_only");
        if (pregreet is not (null or "" or "true" or "false" or "1" or "0"))
        {
            return Problem($"pregreet_only: '{pregreet}' is not true or false");
        }

        if (!ExportRequest.TryCreate(Get("format"), Get("since"), Get("min_sessions"), pregreet is "true" or "1",
                Get("family"), Get("reject_text"), _allowList, out var request, out var problem))
        {
            // The CLI's words, with the query parameter's spelling.
            var named = problem.Replace("--min-sessions", "min_sessions").Replace("--reject-text", "reject_text");
            return Problem(named.Replace("--", string.Empty));
        }

        var (contentType, content) = await ExportAsync(request, cancellationToken);
        return Results.Bytes(content, contentType);
    }

    /// <summary>The per-domain report over the last <paramref name="since"/>, one domain or all.</summary>
    public async Task<DomainReport> GetDomainReportAsync(
        TimeSpan since,
        string? domain,
        int top,
        CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var sessions = await ToListAsync(EventPages.ReadAsync(_store, now - since, domain, cancellationToken));
        return DomainReport.Build(sessions, now - since, now, domain, top);
    }

    /// <summary><c>GET /api/report/domains?since=30d&amp;domain=&amp;top=10</c>: the report as JSON.</summary>
    public async Task<IResult> HandleDomainReportAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        var since = DomainReport.DefaultSince;
        if (query.TryGetValue("since", out var sinceText)
            && (!Hosting.Duration.TryParse(sinceText.ToString(), out since) || since <= TimeSpan.Zero))
        {
            return Problem($"since: '{sinceText}' is not a duration; use {Hosting.Duration.Formats}");
        }

        var top = 10;
        if (query.TryGetValue("top", out var topText) && (!int.TryParse(topText, out top) || top is < 1 or > 1000))
        {
            return Problem($"top: '{topText}' is not a number from 1 to 1000");
        }

        var domain = query.TryGetValue("domain", out var d) && d.ToString().Length > 0 ? d.ToString() : null;
        var report = await GetDomainReportAsync(since, domain, top, cancellationToken);
        return Results.Json(report, ReportJson.Options);
    }

    /// <summary>A 400 with the same <c>{"error": "..."}</c> body as the rest of the API.</summary>
    private static IResult Problem(string problem) =>
        Results.Json(new { error = problem }, ReportJson.Options, statusCode: StatusCodes.Status400BadRequest);

    private static async Task<List<SessionEvent>> ToListAsync(IAsyncEnumerable<SessionEvent> sessions)
    {
        var list = new List<SessionEvent>();
        await foreach (var session in sessions)
        {
            list.Add(session);
        }

        return list;
    }
}
