using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.Sandbox;

namespace Codeur.IntegrationTests.EndToEnd;

/// <summary>
/// The gateway's half of "who may do what", through real gateway and runner processes: route scopes of bearer
/// tokens, scopes a client cannot forge, and settings that change under the running services.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class GatewayAuthorizationTests(DockerFixture docker)
{
    private const string ApiOnly = "e2e-api-only-token-0123456789";
    private const string GitHubRelay = "e2e-github-relay-token-0123456789";
    private const string SlackRelay = "e2e-slack-relay-token-0123456789";

    private const string Tokens = $"""
          tokens:
            ci: {"{"}token: "{ApiOnly}", scopes: [api]{"}"}
            octobridge: {"{"}token: "{GitHubRelay}", scopes: [relay:github, trust:github]{"}"}
            slackflow: {"{"}token: "{SlackRelay}", scopes: [relay:slack]{"}"}
        """;

    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(2);

    private static HttpRequestMessage WithToken(HttpMethod method, string path, string token, string? json = null)
    {
        var request = CodeurSystem.Bearer(method, path, json);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static string OwnerComment(string body) => JsonSerializer.Serialize(new
    {
        action = "created",
        issue = new { number = 7, title = "Please help" },
        comment = new { id = 4242, body, user = new { login = "octo", type = "User" }, author_association = "OWNER" },
        repository = new { full_name = "acme/backend" },
        sender = new { login = "octo", type = "User" },
    });

    /// <summary>Every task the runner holds, seen by a token that may read all of them.</summary>
    private static async Task<int> RecentTasksAsync(CodeurSystem system) =>
        (await system.SendJsonAsync(CodeurSystem.Observer(HttpMethod.Get, "/status"), HttpStatusCode.OK)).GetProperty("recent").GetArrayLength();

    [Fact]
    public async Task GitHubWebhook_BearerWithoutRelayScope_IsRefusedBeforeTheRunner()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(Tokens);
        var comment = OwnerComment("!agent analyze");

        // The attack: a CI token (api only) speaks for GitHub and claims to be the repository owner.
        using var refused = WithToken(HttpMethod.Post, "/webhook/github", ApiOnly, comment);
        refused.Headers.Add("X-GitHub-Event", "issue_comment");
        refused.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        var error = await system.SendJsonAsync(refused, HttpStatusCode.Forbidden);
        Assert.Contains("relay:github", error.GetProperty("error").GetString());
        Assert.Equal(0, await RecentTasksAsync(system));

        // A token granted relaying (and trust) for GitHub is what a GitHub bridge uses; it gets through.
        using var relayed = WithToken(HttpMethod.Post, "/webhook/github", GitHubRelay, comment);
        relayed.Headers.Add("X-GitHub-Event", "issue_comment");
        relayed.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        var accepted = await system.SendJsonAsync(relayed, HttpStatusCode.Accepted);
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("task_id").GetString()));
        Assert.Equal(1, await RecentTasksAsync(system));
    }

    [Fact]
    public async Task ApiTasks_TokenWithoutApiScope_CannotCreateOrListEvenWithForgedScopes()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(Tokens);
        const string task = "{\"command\":\"status\",\"project\":\"backend\"}";

        // A Slack relay token tries the API, and tells the runner it has every scope.
        using var forged = WithToken(HttpMethod.Post, "/api/tasks", SlackRelay, task);
        forged.Headers.Add("X-Codeur-Scopes", "api tasks:read tasks:cancel trust:slack");
        forged.Headers.Add("X-Codeur-Identity", "token:default");
        var error = await system.SendJsonAsync(forged, HttpStatusCode.Forbidden);
        Assert.Contains("'api'", error.GetProperty("error").GetString());
        using var status = WithToken(HttpMethod.Get, "/status", SlackRelay);
        await system.SendJsonAsync(status, HttpStatusCode.Forbidden);
        Assert.Equal(0, await RecentTasksAsync(system));

        var accepted = await system.SendJsonAsync(WithToken(HttpMethod.Post, "/api/tasks", ApiOnly, task), HttpStatusCode.Accepted);
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("task_id").GetString()));
    }

    [Fact]
    public async Task Reload_RevokedTokenNewAllowlistAndBrokenEdit_UnderRunningServices()
    {
        docker.RequireDocker();
        await using var system = await CodeurSystem.StartAsync(Tokens);
        var original = await File.ReadAllTextAsync(system.ConfigPath, TestContext.Current.CancellationToken);
        async Task<HttpStatusCode> StatusAsync(string token)
        {
            using var response = await system.Client.SendAsync(WithToken(HttpMethod.Get, "/status", token), TestContext.Current.CancellationToken);
            return response.StatusCode;
        }

        async Task<HttpStatusCode> UntilAsync(string token, HttpStatusCode expected)
        {
            var deadline = DateTime.UtcNow + ReloadDeadline;
            HttpStatusCode status;
            while ((status = await StatusAsync(token)) != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(25, TestContext.Current.CancellationToken);
            }

            return status;
        }

        async Task EditAsync(string yaml)
        {
            var aside = system.ConfigPath + ".new";
            await File.WriteAllTextAsync(aside, yaml, TestContext.Current.CancellationToken);
            File.Move(aside, system.ConfigPath, overwrite: true);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(ApiOnly));

        // Revoke ci: the next requests within 2 s are 401, the main token still works.
        var revoked = original.Replace($"    ci: {{token: \"{ApiOnly}\", scopes: [api]}}\n", "", StringComparison.Ordinal);
        Assert.NotEqual(original, revoked);
        await EditAsync(revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, await UntilAsync(ApiOnly, HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(CodeurSystem.Token));

        // A broken edit (ci back, but with an unknown scope) changes nothing and is logged with key and line.
        await EditAsync(original.Replace("scopes: [api]", "scopes: [api, root]", StringComparison.Ordinal));
        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (!(await system.Gateway!.ReadLogAsync()).Contains("webhook.tokens.ci.scopes[1]", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var log = await system.Gateway!.ReadLogAsync();
        Assert.Contains("rejected", log, StringComparison.Ordinal);
        Assert.Contains("webhook.tokens.ci.scopes[1] (line", log, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(ApiOnly));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(CodeurSystem.Token));

        // A new allowlist that leaves out loopback: refused within 2 s; /health stays reachable for probes.
        await EditAsync(revoked.Replace("  timeout: 60\n", "  timeout: 60\n  ip_allowlist: [\"10.0.0.0/8\"]\n", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, await UntilAsync(CodeurSystem.Token, HttpStatusCode.Forbidden));
        using var health = await system.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(system.Gateway!.HasExited is false && system.Runner!.HasExited is false);
    }
}
