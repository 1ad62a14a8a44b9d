namespace Codeur.Reliability.Tests;

/// <summary>The suite's parts run one after another: each loads the machine on purpose, and figures from parts run side by side would mean little.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection
{
    public const string Name = "reliability";
}
