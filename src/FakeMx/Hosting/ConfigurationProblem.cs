namespace FakeMx.Hosting;

/// <summary>
/// Invalid configuration found at start-up. Its message is meant for the operator as is: one
/// line per problem, each naming the setting and what it accepts.
/// </summary>
public sealed class ConfigurationProblem : Exception
{
    public ConfigurationProblem(IEnumerable<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems.ToList();
    }

    public ConfigurationProblem(string problem)
        : this([problem])
    {
    }

    public IReadOnlyList<string> Problems { get; }
}
