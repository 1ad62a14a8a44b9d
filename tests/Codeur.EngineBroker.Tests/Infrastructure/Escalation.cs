using System.Text.Json;

namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>
/// One way a create body asks for host access: the field (a path of keys from the body's root), the JSON value that
/// asks for it, and how to see in <c>docker inspect</c> that the engine granted it. Values may use the placeholders
/// <c>{PROJECTS}</c>, <c>{PROJECT}</c>, <c>{OUTSIDE}</c>, <c>{ROOT}</c>, <c>{TARGET}</c>, <c>{IMAGE}</c>.
/// </summary>
internal sealed record Escalation(string Name, string[] Path, string Value, Func<JsonElement, bool> TookEffect)
{
    /// <summary>Further canonical changes the escalation needs to be accepted by the engine (a network for links).</summary>
    public (string[] Path, string Value)[] Also { get; init; } = [];

    /// <summary>
    /// False where a repeated key cannot escalate: Go leaves a plain integer untouched when the later value is null,
    /// so "the harmless value, then null" keeps the harmless one.
    /// </summary>
    public bool DuplicatesApply { get; init; } = true;

    public string Key => Path[^1];

    public static string Substitute(string text, BrokerFixture fixture) => text
        .Replace("{PROJECTS}", fixture.Projects, StringComparison.Ordinal)
        .Replace("{PROJECT}", fixture.Project, StringComparison.Ordinal)
        .Replace("{OUTSIDE}", fixture.Outside, StringComparison.Ordinal)
        .Replace("{ROOT}", fixture.Root, StringComparison.Ordinal)
        .Replace("{TARGET}", fixture.TargetId, StringComparison.Ordinal)
        .Replace("{IMAGE}", fixture.OtherImage, StringComparison.Ordinal);

    public override string ToString() => Name;
}
