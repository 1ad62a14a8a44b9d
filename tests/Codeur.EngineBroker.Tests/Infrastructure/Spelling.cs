namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>
/// How the escalated key is written. Every one of these is decoded by the engine's Go JSON decoder onto the same
/// field (keys match case-insensitively with Unicode simple folding; escapes are decoded; the last duplicate wins).
/// </summary>
public enum Spelling
{
    /// <summary>The key exactly as the Engine API spells it.</summary>
    Canonical,

    /// <summary>All lower case.</summary>
    Lower,

    /// <summary>All upper case.</summary>
    Upper,

    /// <summary>The first s or S written as U+017F LATIN SMALL LETTER LONG S, which folds to s.</summary>
    LongS,

    /// <summary>The first k or K written as U+212A KELVIN SIGN, which folds to k.</summary>
    Kelvin,

    /// <summary>The first letter as a \u escape (decodes to the canonical spelling).</summary>
    Escaped,

    /// <summary>Lower case with its first letter as a \u escape.</summary>
    EscapedLower,

    /// <summary>The harmless value under the canonical key, then the escalation under the same key (the last wins).</summary>
    Duplicate,

    /// <summary>The harmless value under the canonical key, then the escalation under the lower-case key.</summary>
    CaseDuplicate,

    /// <summary>The enclosing HostConfig object's own key in lower case.</summary>
    LowerParent,
}
