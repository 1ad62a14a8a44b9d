using System.Text.Json.Serialization;

namespace Codeur.Gateway.Spool;

/// <summary>
/// A verified request held while the runner is away: the body exactly as its signature was checked, the identity the
/// gateway verified, the platform headers the runner reads, and when it arrived. Never the internal token: the
/// drainer adds the current one when it forwards.
/// </summary>
internal sealed class SpooledRequest
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("arrived_at")]
    public required DateTimeOffset ArrivedAt { get; init; }

    [JsonPropertyName("method")]
    public required string Method { get; init; }

    /// <summary>Path and query as received, e.g. <c>/webhook/github</c>.</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("platform")]
    public required string Platform { get; init; }

    [JsonPropertyName("identity")]
    public string? Identity { get; init; }

    [JsonPropertyName("auth")]
    public string? AuthMethod { get; init; }

    [JsonPropertyName("remote_address")]
    public string? RemoteAddress { get; init; }

    /// <summary>Only the headers in <see cref="SpoolHeaders.Carried"/>, first value each.</summary>
    [JsonPropertyName("headers")]
    public required Dictionary<string, string> Headers { get; init; }

    [JsonPropertyName("body")]
    public required byte[] Body { get; init; }
}

[JsonSerializable(typeof(SpooledRequest))]
internal sealed partial class SpoolJsonContext : JsonSerializerContext;
