namespace Codeur.Configuration;

/// <summary>
/// <c>project_mapping[].commands.COMMAND</c>: who may use that command on the project. A caller qualifies through
/// any one list: its verified GitHub author association, its platform user id or login, or its token name. An
/// empty rule admits nobody.
/// </summary>
public sealed class CommandAccessSection
{
    /// <summary>GitHub <c>author_association</c> values (only from signed deliveries or relays trusted for GitHub).</summary>
    public List<string>? Associations { get; set; }

    public RequestersSection? Requesters { get; set; }

    public List<string>? Tokens { get; set; }
}
