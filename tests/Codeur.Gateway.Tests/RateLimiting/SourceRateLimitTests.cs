using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;

namespace Codeur.Gateway.Tests.RateLimiting;

/// <summary>
/// Signed platform traffic is counted per source (repository or installation, team, guild), so outsiders flooding one
/// public repository cannot use up the budget of another. Real Kestrel, real signatures.
/// </summary>
public sealed class SourceRateLimitTests
{
    private const string GitHubSecret = "gh-secret-for-source-limits";
    private const string SlackSecret = "slack-secret-for-source-limits";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    private static HttpRequestMessage GitHubComment(string repository, int commentId)
    {
        var body = Encoding.UTF8.GetBytes($$$"""
            {"action":"created","issue":{"number":1},"comment":{"id":{{{commentId}}},"body":"!agent status","user":{"login":"stranger"},"author_association":"NONE"},
             "repository":{"id":1,"full_name":"{{{repository}}}","private":false},"installation":{"id":777},"sender":{"login":"stranger","type":"User"}}
            """);
        var request = Sign.Post("/webhook/github", body);
        request.Headers.Add("X-Hub-Signature-256", Sign.GitHub(GitHubSecret, body));
        request.Headers.Add("X-GitHub-Event", "issue_comment");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        return request;
    }

    [Fact]
    public async Task Post_OneRepositoryFloods_AnotherRepositoryStillPasses()
    {
        var clock = new FakeTimeProvider(Now);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"""
              github_webhook_secret: "{GitHubSecret}"
              auth_token: "main-token-0123456789"
              rate_limit: 100
              source_rate_limit: 3
            """, upstream.Address, clock);
        var ct = TestContext.Current.CancellationToken;

        // Strangers' comments on a public repository: the first three pass, then that repository is out of budget.
        for (var i = 0; i < 3; i++)
        {
            using var passed = await gateway.Client.SendAsync(GitHubComment("acme/public-site", i), ct);
            Assert.Equal(HttpStatusCode.Accepted, passed.StatusCode);
        }

        using (var flooded = await gateway.Client.SendAsync(GitHubComment("acme/public-site", 99), ct))
        {
            Assert.Contains("for this source", await ResponseAssert.ErrorAsync(flooded, HttpStatusCode.TooManyRequests));
            Assert.NotNull(flooded.Headers.RetryAfter);
        }

        // Same repository in other letter case is the same repository.
        using (var recased = await gateway.Client.SendAsync(GitHubComment("ACME/Public-Site", 100), ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, recased.StatusCode);
        }

        // A maintainer's comment on another repository of the same installation still gets through.
        using var other = await gateway.Client.SendAsync(GitHubComment("acme/backend", 1), ct);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(4, upstream.Requests.Count);
        Assert.Contains("acme/backend", Encoding.UTF8.GetString(upstream.Requests.Last().Body));

        // A bearer identity keeps its own budget too.
        using var bearer = Sign.Post("/api/tasks", "{}"u8.ToArray());
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "main-token-0123456789");
        using var api = await gateway.Client.SendAsync(bearer, ct);
        Assert.Equal(HttpStatusCode.Accepted, api.StatusCode);

        // The flooded repository's window ends like any other.
        clock.Advance(TimeSpan.FromMinutes(1));
        using var later = await gateway.Client.SendAsync(GitHubComment("acme/public-site", 101), ct);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
    }

    [Fact]
    public async Task Post_OneSlackTeamFloods_AnotherTeamStillPasses()
    {
        var clock = new FakeTimeProvider(Now);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"""
              slack_signing_secret: "{SlackSecret}"
              slack: {"{"}teams: [TNOISY, TQUIET]{"}"}
              source_rate_limit: 2
            """, upstream.Address, clock);
        var ct = TestContext.Current.CancellationToken;

        HttpRequestMessage SlashCommand(string team)
        {
            var body = Encoding.UTF8.GetBytes($"token=x&team_id={team}&channel_id=C1&user_id=U1&command=%2Fcodeur&text=status&response_url=https%3A%2F%2Fhooks.slack.com%2Fx");
            var request = Sign.Post("/webhook/slack", body, "application/x-www-form-urlencoded");
            request.Headers.Add("X-Slack-Request-Timestamp", Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Signature", Sign.Slack(SlackSecret, Now.ToUnixTimeSeconds(), body));
            return request;
        }

        for (var i = 0; i < 2; i++)
        {
            using var passed = await gateway.Client.SendAsync(SlashCommand("TNOISY"), ct);
            Assert.Equal(HttpStatusCode.Accepted, passed.StatusCode);
        }

        using var flooded = await gateway.Client.SendAsync(SlashCommand("TNOISY"), ct);
        using var other = await gateway.Client.SendAsync(SlashCommand("TQUIET"), ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, flooded.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task Post_OneDiscordGuildFloods_AnotherGuildStillPasses()
    {
        var clock = new FakeTimeProvider(Now);
        using var signer = Key.Create(SignatureAlgorithm.Ed25519);
        var publicKey = Convert.ToHexStringLower(signer.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"""
              discord_public_key: "{publicKey}"
              discord: {"{"}guilds: ["1001", "2002"]{"}"}
              source_rate_limit: 2
            """, upstream.Address, clock);
        var ct = TestContext.Current.CancellationToken;

        HttpRequestMessage Interaction(string guild)
        {
            var body = Encoding.UTF8.GetBytes($$$"""{"type":2,"id":"1","guild_id":"{{{guild}}}","channel_id":"5","member":{"user":{"id":"9"}},"data":{"name":"codeur"}}""");
            var ts = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var request = Sign.Post("/webhook/discord", body);
            request.Headers.Add("X-Signature-Ed25519", Convert.ToHexStringLower(SignatureAlgorithm.Ed25519.Sign(signer, [.. Encoding.ASCII.GetBytes(ts), .. body])));
            request.Headers.Add("X-Signature-Timestamp", ts);
            return request;
        }

        for (var i = 0; i < 2; i++)
        {
            using var passed = await gateway.Client.SendAsync(Interaction("1001"), ct);
            Assert.Equal(HttpStatusCode.Accepted, passed.StatusCode);
        }

        using var flooded = await gateway.Client.SendAsync(Interaction("1001"), ct);
        using var other = await gateway.Client.SendAsync(Interaction("2002"), ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, flooded.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }
}
