namespace Codeur.Runner.Queue;

/// <summary>What ended before each instant goes; null keeps that kind. Only final tasks are ever touched.</summary>
internal sealed record RetentionCutoffs(DateTimeOffset? Tasks, DateTimeOffset? Outputs, DateTimeOffset? DedupeKeys);
