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
        Assert.Equal(1L, (long?)await command.ExecuteScalarAsync());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
