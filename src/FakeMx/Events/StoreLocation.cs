using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace FakeMx.Events;

/// <summary>
/// What <c>--store</c> names: a SQLite file, or a PostgreSQL database given as a connection
/// string (anything containing <c>Host=</c>) or as a <c>postgresql://</c> or <c>postgres://</c>
/// URI, which is turned into a connection string here.
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string Target)
{
    /// <summary>The location without a password, fit for logs and error messages.</summary>
    public string Display => Kind == StoreKind.Sqlite ? Target : Redact(Target);

    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out StoreLocation? location,
        [NotNullWhen(false)] out string? problem)
    {
        location = null;
        problem = null;
        text = text.Trim();

        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryConvertUri(text, out var connectionString, out problem))
            {
                return false;
            }

            location = new StoreLocation(StoreKind.Postgres, connectionString);
            return true;
        }

        if (text.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException error)
            {
                problem = $"not a valid PostgreSQL connection string ({error.Message})";
                return false;
            }

            location = new StoreLocation(StoreKind.Postgres, text);
            return true;
        }

        if (text.Length == 0)
        {
            problem = "empty; give a SQLite file path or a PostgreSQL connection string";
            return false;
        }

        location = new StoreLocation(StoreKind.Sqlite, Path.GetFullPath(text));
        return true;
    }

    private static bool TryConvertUri(
        string text,
        [NotNullWhen(true)] out string? connectionString,
        [NotNullWhen(false)] out string? problem)
    {
        connectionString = null;
        problem = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            problem = "not a valid PostgreSQL URI; use postgresql://USER:PASSWORD@HOST:PORT/DATABASE";
            return false;
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
        };

        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        // Query parameters carry the usual libpq options (sslmode=require and the like).
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            try
            {
                builder[key] = value;
            }
            catch (ArgumentException)
            {
                problem = $"the URI option '{key}' is not a PostgreSQL connection setting";
                return false;
            }
        }

        connectionString = builder.ConnectionString;
        return true;
    }

    private static string Redact(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (builder.Password is not null)
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(PostgreSQL connection string)";
        }
    }
}
