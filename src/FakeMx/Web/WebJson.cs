using System.Text.Json;
using System.Text.Json.Serialization;

namespace FakeMx.Web;

/// <summary>The JSON shape of every API response: camelCase names, enums as kebab-case strings.</summary>
internal static class WebJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
