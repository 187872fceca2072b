using FakeMx.Smtp;

namespace FakeMx.Hosting;

/// <summary>
/// The stable lower-case names of enum values, as they appear in logs, events, metrics, the
/// API and the CLI. Cached so labelling a metric allocates nothing.
/// </summary>
public static class Labels
{
    private static readonly string[] Stages = Names<SessionStage>();
    private static readonly string[] Ends = Names<SessionEnd>();
    private static readonly string[] Verbs = Enum.GetNames<SmtpVerb>().Select(n => n.ToUpperInvariant()).ToArray();
    private static readonly string[] Codes = Enumerable.Range(0, 600).Select(c => c.ToString()).ToArray();

    public static string Stage(SessionStage stage) => Stages[(int)stage];

    public static string End(SessionEnd end) => Ends[(int)end];

    public static string Verb(SmtpVerb verb) => Verbs[(int)verb];

    public static string Code(int code) => (uint)code < Codes.Length ? Codes[code] : code.ToString();

    /// <summary>PascalCase to kebab-case: <c>IdleTimeout</c> becomes <c>idle-timeout</c>.</summary>
    public static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c)
            : char.ToLowerInvariant(c).ToString()));

    public static bool TryParse<T>(string label, out T value)
        where T : struct, Enum
    {
        var names = Names<T>();
        var index = Array.IndexOf(names, label.Trim().ToLowerInvariant());
        value = index >= 0 ? Enum.GetValues<T>()[index] : default;
        return index >= 0;
    }

    private static string[] Names<T>()
        where T : struct, Enum => Enum.GetNames<T>().Select(Kebab).ToArray();
}
