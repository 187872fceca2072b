using Npgsql;

namespace FakeMx.Tests.Store;

/// <summary>
/// A fresh, empty database on the test PostgreSQL server (FAKEMX_TEST_POSTGRES), dropped
/// again on dispose. A missing server is a failure, never a skip.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private PostgresDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>A connection string for the new database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's connection string, from the environment the test script sets.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("FAKEMX_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "FAKEMX_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts PostgreSQL");

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = ServerConnectionString;
        var name = $"fakemx_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true };
        return new PostgresDatabase(admin, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // A server stopped by the test itself leaves the database for the throwaway cluster's removal.
        }
    }
}
