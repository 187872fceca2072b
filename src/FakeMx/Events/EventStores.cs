using Microsoft.Data.Sqlite;
using Npgsql;

namespace FakeMx.Events;

/// <summary>Opens the store <c>--store</c> names, for the server and for the CLI.</summary>
public static class EventStores
{
    /// <summary>The store for <paramref name="location"/>; nothing is opened until it is used.</summary>
    public static SqlEventStore Create(StoreLocation location, int maxRecipients = 100, bool create = true) =>
        location.Kind == StoreKind.Postgres
            ? new PostgresEventStore(location, maxRecipients)
            : new SqliteEventStore(location, maxRecipients, create);

    /// <summary>
    /// Opens an existing store for reading, as the CLI does: a SQLite file must already exist
    /// (a typo must not leave an empty database behind), and a database that cannot be reached
    /// is a <see cref="StoreProblem"/> naming the fix.
    /// </summary>
    public static async Task<SqlEventStore> OpenForReadingAsync(string text, CancellationToken cancellationToken)
    {
        if (!StoreLocation.TryParse(text, out var location, out var problem))
        {
            throw new StoreProblem($"--store: {problem}");
        }

        if (location.Kind == StoreKind.Sqlite && !File.Exists(location.Target))
        {
            throw new StoreProblem($"--store: '{location.Target}' does not exist; give the file that " +
                "'fakemx serve --store' writes (default fakemx.db in the server's working directory)");
        }

        var store = Create(location, create: false);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch (Exception error) when (error is SqliteException or NpgsqlException or TimeoutException
            or System.Net.Sockets.SocketException)
        {
            await store.DisposeAsync();
            var what = location.Kind == StoreKind.Postgres
                ? $"cannot reach PostgreSQL at {location.Display} ({error.Message}); check that it runs " +
                  "and that --store names the right host, port, user and database"
                : $"cannot read '{location.Target}' ({error.Message}); is it a FakeMX store?";
            throw new StoreProblem($"--store: {what}", error);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }
}
