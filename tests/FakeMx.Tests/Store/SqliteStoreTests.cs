using FakeMx.Events;
using Microsoft.Data.Sqlite;

namespace FakeMx.Tests.Store;

/// <summary>The store contract against SQLite, one fresh file per test.</summary>
public sealed class SqliteStoreTests : StoreContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-store-test-").FullName;

    private string Path => System.IO.Path.Combine(_directory, "events.db");

    protected override Task CreateLocationAsync() => Task.CompletedTask;

    protected override Task<SqlEventStore> CreateStoreAsync(int maxRecipients = 100)
    {
        StoreLocation.TryParse(Path, out var location, out _);
        return Task.FromResult(EventStores.Create(location!, maxRecipients));
    }

    [Fact]
    public async Task The_file_is_in_WAL_mode_and_passes_the_integrity_check()
    {
        await Store.WriteBatchAsync([Sessions.Make()], CancellationToken.None);

        await using var connection = new SqliteConnection($"Data Source={Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT MAX(version) FROM schema_version";
        Assert.Equal((long)Store.SchemaVersion, (long?)await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task Events_of_one_address_are_found_by_seeking_the_hour_and_address_index(bool since, bool follow)
    {
        // Enough sessions over enough hours that a scan would look as cheap as it is not.
        var batch = Enumerable.Range(0, 3000).Select(i => Sessions.Make(ip: $"192.0.2.{i % 250}", minute: -i))
            .ToList();
        await Store.WriteBatchAsync(batch, CancellationToken.None);
        var query = new EventQuery(Since: since ? Sessions.Base.AddDays(-1) : null, Ip: "192.0.2.7",
            AfterId: follow ? 10 : null);

        await using var connection = new SqliteConnection($"Data Source={Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + Store.EventsSql(query);
        command.Parameters.AddWithValue("limit", 100);
        command.Parameters.AddWithValue("since", Sessions.Base.AddDays(-1).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("ip", "192.0.2.7");
        command.Parameters.AddWithValue("after", 10);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.StartsWith(
            "SEARCH s USING INDEX sessions_hour_client_ip (<expr>=? AND client_ip=?", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN s", StringComparison.Ordinal));
        // The ids of one fresh batch are 1, 2, ... in batch order.
        var expected = batch.Select((e, i) => (Event: e, Id: i + 1L))
            .Where(x => x.Event.ClientIp == "192.0.2.7" && (!since || x.Event.StartTime >= query.Since))
            .Where(x => !follow || x.Id > 10)
            .Select(x => x.Id).Order();
        var found = await Store.GetEventsAsync(query with { Limit = 1000 }, CancellationToken.None);
        Assert.Equal(expected, found.Select(e => e.Id!.Value).Order());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
