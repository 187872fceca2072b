using System.CommandLine;
using FakeMx.Events;

namespace FakeMx.Cli;

/// <summary>The <c>--store</c> option of the verbs that read stored sessions.</summary>
public static class StoreFlag
{
    public static Option<string> Create() => new("--store")
    {
        Description = "Where the sessions are: a SQLite file or a PostgreSQL connection string/URI " +
            "(as 'serve' writes it)",
        HelpName = "STORE",
        DefaultValueFactory = _ => EventStoreOptions.DefaultLocation,
    };
}
