namespace FakeMx.Events;

/// <summary>The kinds of event store.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}
