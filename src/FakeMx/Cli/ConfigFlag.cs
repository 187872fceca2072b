using System.CommandLine;

namespace FakeMx.Cli;

/// <summary>
/// A command-line flag that sets one configuration key. Only flags actually given override
/// the config file and environment; the default shown in <c>--help</c> is the built-in one.
/// </summary>
public sealed class ConfigFlag
{
    private readonly Option _option;

    public ConfigFlag(
        string name,
        string key,
        string description,
        string? defaultText,
        bool repeatable = false,
        bool isSwitch = false,
        string? helpName = null)
    {
        Key = key;
        Repeatable = repeatable;
        IsSwitch = isSwitch;
        if (isSwitch)
        {
            _option = new Option<bool>(name);
        }
        else if (repeatable)
        {
            _option = new Option<string[]>(name)
            {
                Arity = ArgumentArity.OneOrMore,
                DefaultValueFactory = defaultText is null ? null : _ => [defaultText],
            };
        }
        else
        {
            _option = new Option<string>(name)
            {
                DefaultValueFactory = defaultText is null ? null : _ => defaultText,
            };
        }

        _option.Description = description;
        if (!isSwitch)
        {
            _option.HelpName = helpName ?? HelpNameOf(name);
        }
    }

    public string Key { get; }

    public bool Repeatable { get; }

    /// <summary>A flag without a value (<c>--http-allow-anonymous</c>): present means true.</summary>
    public bool IsSwitch { get; }

    public Option Option => _option;

    /// <summary>Adds this flag's configuration entries when it was given on the command line.</summary>
    public void AddTo(ParseResult parse, IDictionary<string, string?> settings)
    {
        var result = parse.GetResult(_option);
        if (result is null || result.Implicit)
        {
            return;
        }

        if (IsSwitch)
        {
            settings[Key] = parse.GetValue((Option<bool>)_option) ? "true" : "false";
            return;
        }

        var values = result.Tokens.Select(t => t.Value).ToArray();
        if (!Repeatable)
        {
            settings[Key] = values.LastOrDefault();
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            settings[$"{Key}:{i}"] = values[i];
        }
    }

    /// <summary>The placeholder <c>--help</c> shows for the value, from what the flag takes.</summary>
    private static string HelpNameOf(string name)
    {
        var bare = name.TrimStart('-');
        var last = bare.Split('-')[^1];
        return last switch
        {
            "listen" or "http" => "ADDR:PORT",
            "hostname" or "node" => "NAME",
            "at" => "STAGE",
            "text" => "TEXT",
            "store" => "PATH|URI",
            "size" => "BYTES",
            "timeout" or "delay" or "interval" => "DURATION",
            _ when bare.StartsWith("max-", StringComparison.Ordinal) => "N",
            "backlog" or "days" or "queue" or "batch" or "recipients" => "N",
            _ => last.ToUpperInvariant(),
        };
    }
}
