using System.Text.Json;
using System.Text.Json.Serialization;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Events;

/// <summary>
/// The one JSON shape of events and reports, shared by <c>fakemx stats --json</c>,
/// <c>fakemx events --json</c> and the web API so a script written against one reads the
/// other. Property names are camelCase; enums are their stable kebab-case labels (as in logs
/// and metrics); times are ISO 8601 in UTC; nulls are written, so every property is always
/// present. Changing a name here breaks operators' scripts: add, never rename.
/// </summary>
public static class EventJson
{
    /// <summary>Indented output, for people and for the CLI.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>One value per line, for JSON lines, streams and the API.</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    public static string Serialize<T>(T value, bool indented = false) =>
        JsonSerializer.Serialize(value, indented ? Indented : Compact);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };

        options.Converters.Add(new LabelConverter<SessionStage>());
        options.Converters.Add(new LabelConverter<SessionEnd>());
        options.Converters.Add(new LabelConverter<SessionOutcome>());
        options.Converters.Add(new UtcTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Writes an enum as its label (<c>idle-timeout</c>) and reads it back.</summary>
    private sealed class LabelConverter<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? string.Empty;
            return Labels.TryParse<T>(text, out var value)
                ? value
                : throw new JsonException($"'{text}' is not a {typeof(T).Name} label");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Labels.Kebab(value.ToString()));
    }

    /// <summary>Times always in UTC with millisecond precision, the precision the stores keep.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(
            ref Utf8JsonReader reader,
            Type typeToConvert,
            JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                System.Globalization.CultureInfo.InvariantCulture));
    }
}
