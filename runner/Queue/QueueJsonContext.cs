using System.Text.Json.Serialization;

namespace Codeur.Runner.Queue;

/// <summary>Source-generated JSON for the stored argument list and git result (reflection-free, so trimming stays safe).</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(TaskGitResult))]
[JsonSerializable(typeof(TaskOutputObject))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
