using System.Text.Json.Serialization;

namespace Codeur.Runner.Queue;

/// <summary>Source-generated JSON for the stored argument list (reflection-free, so trimming stays safe).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
