using System.Text.Json;
using System.Text.Json.Serialization;
using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// The JSON of exports and reports: the shape of <see cref="EventJson"/> (camelCase, UTC
/// times, enums as kebab-case labels), with the report's own enums written as labels too.
/// </summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(EventJson.Indented);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
