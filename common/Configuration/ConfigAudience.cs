namespace Codeur.Configuration;

/// <summary>
/// Which service loads <c>.agent.yaml</c>. Both read the same file, but each is given only its own secrets (separate
/// environment files): the keys only the other service uses are neither expanded (so their variables need not be
/// set) nor kept (see <see cref="SecretOwnership"/>).
/// </summary>
public enum ConfigAudience
{
    /// <summary>Everything expanded and kept: tools and tests that look at the whole file.</summary>
    All,

    /// <summary>The internet-facing gateway: what it verifies with, never what the runner acts with.</summary>
    Gateway,

    /// <summary>The runner: what it acts with (reply tokens), never what the gateway verifies with.</summary>
    Runner,
}
