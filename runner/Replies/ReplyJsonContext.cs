using System.Text.Json.Serialization;

namespace Codeur.Runner.Replies;

/// <summary>Source-generated JSON for stored reply content.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReplyContent))]
internal sealed partial class ReplyJsonContext : JsonSerializerContext;
