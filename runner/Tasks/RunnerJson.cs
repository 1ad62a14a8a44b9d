using System.Text.Json;
using System.Text.Json.Serialization;

namespace Codeur.Runner.Tasks;

/// <summary>snake_case JSON for every runner response, nulls omitted.</summary>
internal static class RunnerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
