namespace Codeur.Configuration;

/// <summary>The durable task queue: embedded SQLite by default, Redis when scaled out.</summary>
public sealed class QueueSection
{
    public string Backend { get; set; } = "sqlite";
    public string Path { get; set; } = "./data/codeur.db";
    public string? Connection { get; set; }
    public int Capacity { get; set; } = 1000;
}
