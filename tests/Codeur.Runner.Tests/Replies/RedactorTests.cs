using Codeur.Configuration;
using Codeur.Runner.Replies;

namespace Codeur.Runner.Tests.Replies;

public sealed class RedactorTests
{
    private static readonly Redactor Redactor = new(new AgentConfig
    {
        Webhook = new WebhookSection
        {
            AuthToken = "configured-auth-token-value",
            GithubToken = "configured-github-token",
            Runner = new RunnerSection { InternalToken = "internal-runner-credential" },
            Tokens = new Dictionary<string, TokenEntry> { ["ci"] = "ci-token-secret-value" },
            Replies = new RepliesSection { Redact = ["sandbox-api-key-42"] },
        },
    });

    public static TheoryData<string, string> Shapes => new()
    {
        { "classic GitHub PAT", "ghp_" + new string('a', 36) },
        { "GitHub OAuth token", "gho_16C7e42F292c6912E7710c838347Ae178B4a" },
        { "GitHub app installation token", "ghs_" + new string('Z', 36) },
        { "fine-grained GitHub PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" },
        { "Slack bot token", "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy" },
        { "Slack user token", "xoxp-23984754863-2348975623103" },
        { "Slack app token", "xapp-1-A0123456789-1234567890123-abcdef" },
        { "configured auth_token", "configured-auth-token-value" },
        { "configured github_token", "configured-github-token" },
        { "named bearer token", "ci-token-secret-value" },
        { "internal credential", "internal-runner-credential" },
        { "replies.redact (a token given to the sandbox)", "sandbox-api-key-42" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Redact_TokenShape_Masked(string what, string secret)
    {
        var text = $"step 3: using {secret} to push ({what})\n";

        var redacted = Redactor.Redact(text);

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Equal($"step 3: using {Redactor.Mask} to push ({what})\n", redacted);
    }

    [Fact]
    public void Redact_CredentialGivenToTheSandbox_Masked()
    {
        var credentials = Codeur.Runner.Sandbox.Agents.AgentCredentials.FromConfig(
            new SandboxSection { Env = ["DEPLOY_KEY"] }, name => name == "DEPLOY_KEY" ? "deploy-key-value-0042" : null);
        var redactor = new Redactor(new AgentConfig(), credentials);

        Assert.Equal($"pushing with {Redactor.Mask}", redactor.Redact("pushing with deploy-key-value-0042"));
    }

    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "Authorization: Bearer [redacted]")]
    [InlineData("curl -H 'Authorization: bearer 0123456789abcdef0123'", "curl -H 'Authorization: bearer [redacted]'")]
    [InlineData("Authorization: Bot MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs", "Authorization: Bot [redacted]")]
    public void Redact_BearerCredential_SchemeKeptCredentialMasked(string text, string expected) =>
        Assert.Equal(expected, Redactor.Redact(text));

    [Theory]
    [InlineData("the bearer of bad news")]
    [InlineData("ghp_short is not a token")]
    [InlineData("xoxb- alone")]
    [InlineData("Build succeeded: 42 tests passed in 3.1 s")]
    public void Redact_OrdinaryText_Unchanged(string text) => Assert.Equal(text, Redactor.Redact(text));
}
