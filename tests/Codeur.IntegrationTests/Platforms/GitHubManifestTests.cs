using System.Text.Json.Nodes;
using Codeur.Configuration;
using Codeur.Runner.Intake.Platforms;

namespace Codeur.IntegrationTests.Platforms;

/// <summary>
/// <c>deploy/platforms/github/app-manifest.json</c> and <c>webhook.json</c> against our code: the gateway's GitHub
/// route, exactly the events the runner turns into tasks, and exactly the permissions its calls need.
/// </summary>
public sealed class GitHubManifestTests
{
    // What the runner does on GitHub, and the fine-grained permission each needs (GitHub's REST reference):
    //   comments: POST /repos/{o}/{r}/issues/{n}/comments, PATCH .../issues/comments/{id} (runner/Replies/GitHubReplySender.cs) → issues: write
    //   pull requests: POST /repos/{o}/{r}/pulls, GET .../pulls/{n} (runner/Publishing/GitHubPullRequests.cs) → pull_requests: write
    //   the branch: git push over HTTPS (runner/Publishing/BranchPusher.cs) → contents: write
    //   every App: metadata: read (mandatory)
    private static readonly Dictionary<string, string> Permissions = new()
    {
        ["metadata"] = "read",
        ["issues"] = "write",
        ["pull_requests"] = "write",
        ["contents"] = "write",
    };

    private static readonly JsonNode App = PlatformKit.Json("github", "app-manifest.json");
    private static readonly JsonNode Webhook = PlatformKit.Json("github", "webhook.json");

    /// <summary><c>issue_comment</c> (commands) and the events of the default <c>github.events</c> mapping.</summary>
    private static HashSet<string> HandledEvents() =>
        new GithubSection().Events.Keys.Select(k => k.Split('.')[0]).Append("issue_comment").ToHashSet();

    [Fact]
    public void Manifests_Urls_AreTheGatewaysGitHubRoute()
    {
        Assert.Equal(PlatformKit.GatewayPath("github"), PlatformKit.UrlPath(App["hook_attributes"]!["url"]!.GetValue<string>()));
        Assert.Equal(PlatformKit.GatewayPath("github"), PlatformKit.UrlPath(Webhook["config"]!["url"]!.GetValue<string>()));
        Assert.Equal("json", Webhook["config"]!["content_type"]!.GetValue<string>());
        Assert.Equal("0", Webhook["config"]!["insecure_ssl"]!.GetValue<string>());
    }

    [Fact]
    public void Manifests_Events_AreExactlyThoseTheRunnerHandles()
    {
        var appEvents = App["default_events"]!.AsArray().Select(e => e!.GetValue<string>()).ToHashSet();
        var hookEvents = Webhook["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToHashSet();
        Assert.True(HandledEvents().SetEquals(appEvents), string.Join(",", appEvents));
        Assert.True(HandledEvents().SetEquals(hookEvents), string.Join(",", hookEvents));
    }

    [Theory]
    [InlineData("issue_comment", """{"action":"created","issue":{"number":1},"comment":{"id":7,"body":"!agent run 'Add auth to API'","user":{"login":"you","type":"User"},"author_association":"OWNER"},"repository":{"full_name":"you/demo"},"sender":{"login":"you","type":"User"}}""", "run")]
    [InlineData("pull_request", """{"action":"opened","number":2,"pull_request":{"id":9,"number":2,"title":"t","head":{"sha":"abc"},"user":{"login":"you"},"author_association":"OWNER"},"repository":{"full_name":"you/demo"},"sender":{"login":"you","type":"User"}}""", "analyze")]
    public void Manifests_EachEvent_BecomesATask(string name, string body, string command)
    {
        Assert.Contains(name, App["default_events"]!.AsArray().Select(e => e!.GetValue<string>()));
        var request = PlatformKit.Request(body, "application/json", ("X-GitHub-Event", name), ("X-GitHub-Delivery", "d-1"));
        var result = Assert.IsType<IntakeResult.Addressed>(new GitHubPayloadParser().Parse(request, PlatformKit.Commands));
        Assert.Equal(command, result.Input.Parse(PlatformKit.Commands).Line?.Command);
    }

    [Fact]
    public void AppManifest_Permissions_AreExactlyWhatWeUse()
    {
        var granted = App["default_permissions"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        Assert.Equal(Permissions.OrderBy(p => p.Key), granted.OrderBy(p => p.Key));
    }
}
