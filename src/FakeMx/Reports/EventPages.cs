using System.Runtime.CompilerServices;
using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// Reads every stored session of a window through <see cref="IEventStore.GetEventsAsync"/> in
/// pages keyed by id, so an export over millions of sessions never asks the store for one
/// unbounded result and never skips or repeats a row while the server keeps writing.
/// </summary>
public static class EventPages
{
    /// <summary>Sessions per query: large enough that round trips do not dominate, small enough
    /// that a page stays a few megabytes.</summary>
    public const int PageSize = 5000;

    public static async IAsyncEnumerable<SessionEvent> ReadAsync(
        IEventStore store,
        DateTimeOffset since,
        string? domain,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = await store.GetEventsAsync(
                new EventQuery(Since: since, Domain: domain, Limit: PageSize, AfterId: after), cancellationToken);
            foreach (var session in page)
            {
                yield return session;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Id ?? throw new InvalidOperationException("the store returned a session without an id");
        }
    }

    public static async Task<List<SessionEvent>> ReadAllAsync(
        IEventStore store,
        DateTimeOffset since,
        string? domain,
        CancellationToken cancellationToken)
    {
        var all = new List<SessionEvent>();
        await foreach (var session in ReadAsync(store, since, domain, cancellationToken))
        {
            all.Add(session);
        }

        return all;
    }
}
