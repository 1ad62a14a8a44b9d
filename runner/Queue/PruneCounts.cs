namespace Codeur.Runner.Queue;

/// <summary>How many ended tasks one pruning batch deleted, and how many kept their row but lost their output or dedupe key.</summary>
internal readonly record struct PruneCounts(int Tasks, int Outputs, int DedupeKeys)
{
    public bool Any => Tasks + Outputs + DedupeKeys > 0;
}
