namespace Codeur.Configuration;

/// <summary>One validation failure: the snake_case key path and what is wrong with it (never the value).</summary>
public readonly record struct ConfigError(string Path, string Message);
