using System.Text.RegularExpressions;
using Codeur.Configuration;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Replies;

/// <summary>
/// Masks secrets in text we post or log: every secret in the configuration (tokens, signing secrets, the internal
/// credential, <c>replies.redact</c>), the credentials and <c>sandbox.env</c> values given to the sandbox, and common token shapes (GitHub <c>ghp_</c>/<c>gho_</c>/<c>ghs_</c>/...
/// and <c>github_pat_</c>, Slack <c>xox?-</c>/<c>xapp-</c>, <c>Bearer</c> credentials).
/// </summary>
internal sealed partial class Redactor
{
    public const string Mask = "[redacted]";

    private readonly string[] _secrets;

    public Redactor(AgentConfig config, AgentCredentials? sandboxCredentials = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var w = config.Webhook;
        IEnumerable<string?> secrets =
        [
            w.AuthToken, w.GithubToken, w.DiscordBotToken, w.SlackBotToken, w.GithubWebhookSecret, w.SlackSigningSecret,
            w.Runner.InternalToken, .. w.Tokens.Values.Select(t => t.Token), .. w.Replies.Redact, .. w.ProjectMapping.Select(p => p.Publish.Token), .. sandboxCredentials?.SecretValues ?? [],
        ];

        // Longest first, so a secret that contains another is masked whole.
        _secrets = [.. secrets.Where(s => s is { Length: >= 4 }).Select(s => s!).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = TokenShape().Replace(text, Mask);
        return BearerCredential().Replace(text, m => m.Groups["scheme"].Value + " " + Mask);
    }

    // GitHub: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/ (ghp_, gho_, ghu_, ghs_,
    // ghr_ + 36 base62; fine-grained github_pat_). Slack: xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe- and app-level xapp-.
    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abeoprs]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,})", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();

    // "Authorization: Bearer abc..." or "Bot abc..." with a token-looking credential (16+ characters, so prose like
    // "bearer of bad news" is left alone).
    [GeneratedRegex(@"(?<scheme>\b(?:[Bb]earer|BEARER|Bot))\s+[A-Za-z0-9._~+/=-]{16,}", RegexOptions.CultureInvariant)]
    private static partial Regex BearerCredential();
}
