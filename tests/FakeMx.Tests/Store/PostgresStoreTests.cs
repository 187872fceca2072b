using FakeMx.Events;

namespace FakeMx.Tests.Store;

/// <summary>The store contract against the real PostgreSQL server, one fresh database per test.</summary>
public sealed class PostgresStoreTests : StoreContractTests
{
    private PostgresDatabase? _database;

    protected override async Task CreateLocationAsync() => _database = await PostgresDatabase.CreateAsync();

    protected override Task<SqlEventStore> CreateStoreAsync(int maxRecipients = 100)
    {
        StoreLocation.TryParse(_database!.ConnectionString, out var location, out _);
        return Task.FromResult(EventStores.Create(location!, maxRecipients));
    }

    [Fact]
    public async Task A_postgresql_URI_names_the_same_database_as_its_connection_string()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(_database!.ConnectionString);
        var uri = $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        await Store.WriteBatchAsync([Sessions.Make()], CancellationToken.None);

        Assert.True(StoreLocation.TryParse(uri, out var location, out var problem), problem);
        Assert.Equal(StoreKind.Postgres, location.Kind);
        await using var viaUri = EventStores.Create(location);
        await viaUri.InitializeAsync(CancellationToken.None);
        Assert.Single(await viaUri.GetEventsAsync(new EventQuery(), CancellationToken.None));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
