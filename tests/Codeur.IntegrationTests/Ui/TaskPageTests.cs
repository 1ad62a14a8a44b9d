using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Publishing;
using Codeur.IntegrationTests.Sandbox;
using Codeur.IntegrationTests.Sandbox.Agents;
using PuppeteerSharp;

namespace Codeur.IntegrationTests.Ui;

/// <summary>
/// The <c>/ui</c> page in headless Chromium against the real gateway and runner processes, with real Docker tasks:
/// a running task's log arrives live over one stream, cancel kills it, markup in a task stays text, and the token
/// stays in its tab. Screenshots go to <see cref="Screenshots.Directory"/>.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed partial class TaskPageTests(DockerFixture docker, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string UiEnabled = "  ui: {enabled: true}";
    private const int WaitMs = 60_000;

    private static string PageUrl(CodeurSystem system) => new Uri(system.GatewayUrl, "/ui/").ToString();

    private static async Task WaitForAsync(IPage page, string predicate, params object[] args) =>
        await (await page.WaitForFunctionAsync(predicate, new WaitForFunctionOptions { Timeout = WaitMs, PollingInterval = 100 }, args)).DisposeAsync();

    private static async Task<IPage> OpenAsync(IBrowser browser, CodeurSystem system, string token)
    {
        var page = await browser.NewPageAsync();
        await page.GoToAsync(PageUrl(system));
        await page.WaitForSelectorAsync("#token", new WaitForSelectorOptions { Visible = true, Timeout = WaitMs });
        await page.TypeAsync("#token", token);
        await page.ClickAsync("#token-save");
        await page.WaitForSelectorAsync("#main", new WaitForSelectorOptions { Visible = true, Timeout = WaitMs });
        return page;
    }

    private static async Task<string> PostTaskAsync(CodeurSystem system, string text)
    {
        var body = JsonSerializer.Serialize(new { command = "run", args = text, project = "backend" });
        var accepted = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", body), HttpStatusCode.Accepted);
        return accepted.GetProperty("task_id").GetString()!;
    }

    [Fact]
    public async Task Page_RunningTask_LogArrivesLiveAndCancelKillsTheContainer()
    {
        docker.RequireDocker();
        var browser = chromium.Require();
        await using var system = await CodeurSystem.StartAsync(UiEnabled);
        var id = await PostTaskAsync(system, "ticking for the page");
        await system.WaitStateAsync(id, "running");

        // The page asks for the token (the task's own, without tasks:read), then lists the running task.
        await using var page = await OpenAsync(browser, system, CodeurSystem.Token);
        var logRequests = 0;
        page.Request += (_, e) =>
        {
            if (e.Request.Url.EndsWith($"/api/tasks/{id}/logs", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref logRequests);
            }
        };
        await page.WaitForSelectorAsync($"tr[data-id='{id}'][data-state='running']", new WaitForSelectorOptions { Timeout = WaitMs });
        Assert.Equal("backend", await page.EvaluateFunctionAsync<string>("id => document.querySelector(`tr[data-id='${id}'] td.project`).textContent", id));
        Assert.Equal("token:default", await page.EvaluateFunctionAsync<string>("id => document.querySelector(`tr[data-id='${id}'] td.requester`).textContent", id));
        await Screenshots.SaveAsync(page, "1-list-running-task");

        // Its log: lines the container prints after the page connected appear without a reload, over one stream.
        await page.ClickAsync($"tr[data-id='{id}']");
        await WaitForAsync(page, "() => /tick-2\\n/.test(document.getElementById('log').textContent)");
        var seen = Ticks(await page.EvaluateExpressionAsync<string>("document.getElementById('log').textContent")).Max();
        await WaitForAsync(page, "n => document.getElementById('log').textContent.includes(`tick-${n}\\n`)", seen + 3);
        Assert.Equal(1, Volatile.Read(ref logRequests));
        Assert.Equal("(live)", await page.EvaluateExpressionAsync<string>("document.getElementById('d-live').textContent"));
        Assert.Equal("running", await page.EvaluateExpressionAsync<string>("document.getElementById('d-state').textContent"));
        await Screenshots.SaveAsync(page, "2-live-log");

        // Cancel: the task ends cancelled and its container is gone.
        Assert.True(await page.EvaluateExpressionAsync<bool>("!document.getElementById('cancel').hidden"));
        await page.ClickAsync("#cancel");
        await WaitForAsync(page, "() => document.getElementById('d-state').textContent === 'cancelled'");
        var ended = await system.WaitFinishedAsync(id);
        Assert.Equal("cancelled", ended.GetProperty("state").GetString());
        await WaitForAsync(page, "id => document.querySelector(`tr[data-id='${id}']`)?.dataset.state === 'cancelled'", id);
        Assert.True(await page.EvaluateExpressionAsync<bool>("document.getElementById('cancel').hidden"));
        await WaitUntilAsync(async () => (await DockerCli.RunAsync("ps", "-aq", "--filter", $"label=codeur.task={id}")).Count == 0, "the task's container is still there");
        await Screenshots.SaveAsync(page, "3-cancelled");

        // The filters go to the runner: another state or project hides the task, its own state and requester show it.
        const string Row = "id => document.querySelector(`tr[data-id='${id}']`) !== null";
        await FilterAsync(page, state: "running");
        await WaitForAsync(page, "id => document.querySelector(`tr[data-id='${id}']`) === null", id);
        await FilterAsync(page, state: "cancelled", requester: "TOKEN:DEF");
        await WaitForAsync(page, Row, id);
        await FilterAsync(page, state: "cancelled", project: "frontend");
        await WaitForAsync(page, "id => document.querySelector(`tr[data-id='${id}']`) === null", id);
        await FilterAsync(page, state: "", project: "backend");
        await WaitForAsync(page, Row, id);
    }

    private static async Task FilterAsync(IPage page, string state, string project = "", string requester = "")
    {
        await page.SelectAsync("#f-state", state);
        await page.EvaluateFunctionAsync("(p, r) => { document.getElementById('f-project').value = p; document.getElementById('f-requester').value = r; }", project, requester);
        await page.ClickAsync("#filters button[type=submit]");
    }

    [Fact]
    public async Task Page_Token_KeptForTheTabOnlyNeverInLocalStorage()
    {
        docker.RequireDocker();
        var browser = chromium.Require();
        await using var system = await CodeurSystem.StartAsync(UiEnabled);
        await using var page = await OpenAsync(browser, system, CodeurSystem.ObserverToken);

        // What a page puts in localStorage, another tab of the browser reads: the channel a token must not take.
        await using var other = await browser.NewPageAsync();
        await other.GoToAsync(PageUrl(system));
        await page.EvaluateExpressionAsync("localStorage.setItem('probe', 'shared')");
        Assert.Equal("shared", await other.EvaluateExpressionAsync<string>("localStorage.getItem('probe')"));
        await page.EvaluateExpressionAsync("localStorage.removeItem('probe')");

        Assert.Equal(CodeurSystem.ObserverToken, await page.EvaluateExpressionAsync<string>("sessionStorage.getItem('codeur.token')"));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("localStorage.length"));
        Assert.Equal("", await page.EvaluateExpressionAsync<string>("document.cookie"));

        // A reload keeps the tab's token (no second prompt) and still writes nothing to localStorage.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#main", new WaitForSelectorOptions { Visible = true, Timeout = WaitMs });
        Assert.True(await page.EvaluateExpressionAsync<bool>("document.getElementById('login').hidden"));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("localStorage.length"));

        // A new tab has no token: it asks again, and nothing in its storage holds the first tab's.
        await using var tab = await browser.NewPageAsync();
        await tab.GoToAsync(PageUrl(system));
        await tab.WaitForSelectorAsync("#token", new WaitForSelectorOptions { Visible = true, Timeout = WaitMs });
        Assert.Null(await tab.EvaluateExpressionAsync<string?>("sessionStorage.getItem('codeur.token')"));
        Assert.Equal(0, await tab.EvaluateExpressionAsync<int>("localStorage.length"));
        Assert.True(await tab.EvaluateExpressionAsync<bool>("document.getElementById('main').hidden"));
        await Screenshots.SaveAsync(tab, "4-new-tab-asks-for-token");
    }

    [Fact]
    public async Task Page_MarkupInTaskTextAndRequester_RenderedAsTextAndInjectedHandlersBlocked()
    {
        docker.RequireDocker();
        var browser = chromium.Require();
        await using var system = await CodeurSystem.StartAsync(UiEnabled);
        const string Text = "<img src=x onerror=\"window.pwned=1\">";
        // A relayed user is one word without ':' (the runner refuses spaces), which markup does not need.
        const string Author = "<img/src/onerror=window.pwned=2>";
        var relay = JsonSerializer.Serialize(new { content = $"!agent run '{Text}' --project backend", author = Author, channel_id = "c1" });
        var accepted = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/webhook/discord", relay), HttpStatusCode.Accepted);
        var id = accepted.GetProperty("task_id").GetString()!;
        var task = await system.WaitFinishedAsync(id);
        var requester = task.GetProperty("requester").GetString()!;
        Assert.Contains(Author, requester, StringComparison.Ordinal);
        Assert.Equal(Text, task.GetProperty("args")[0].GetString());

        // The attack works where the text is rendered as markup: the same strings through innerHTML run their handler.
        await using var naive = await browser.NewPageAsync();
        await naive.SetContentAsync("<table><tbody><tr><td id=c></td><td id=r></td></tr></tbody></table>");
        await naive.EvaluateFunctionAsync("text => { document.getElementById('c').innerHTML = text; }", "run " + Text);
        await WaitForAsync(naive, "() => window.pwned === 1");
        await naive.EvaluateFunctionAsync("requester => { document.getElementById('r').innerHTML = requester; }", requester);
        await WaitForAsync(naive, "() => window.pwned === 2");

        // The page shows the same strings as text: no element created, no handler run.
        await using var page = await OpenAsync(browser, system, CodeurSystem.ObserverToken);
        await page.WaitForSelectorAsync($"tr[data-id='{id}']", new WaitForSelectorOptions { Timeout = WaitMs });
        await page.ClickAsync($"tr[data-id='{id}']");
        await WaitForAsync(page, "id => document.getElementById('d-id').textContent === id", id);
        Assert.Equal(requester, await page.EvaluateFunctionAsync<string>("id => document.querySelector(`tr[data-id='${id}'] td.requester`).textContent", id));
        Assert.Equal("run " + Text, await page.EvaluateFunctionAsync<string>("id => document.querySelector(`tr[data-id='${id}'] td.command`).textContent", id));
        Assert.Equal("run " + Text, await page.EvaluateExpressionAsync<string>("document.getElementById('d-command').textContent"));
        Assert.StartsWith(requester, await page.EvaluateExpressionAsync<string>("document.getElementById('d-requester').textContent"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('img').length"));
        Assert.True(await page.EvaluateExpressionAsync<bool>("window.pwned === undefined"));
        await Screenshots.SaveAsync(page, "5-markup-shown-as-text");

        // And were a rendering bug to put the markup into the DOM, the policy refuses its inline handler.
        await page.EvaluateFunctionAsync(
            "html => { window.blocked = []; document.addEventListener('securitypolicyviolation', e => window.blocked.push(e.violatedDirective)); document.getElementById('detail').insertAdjacentHTML('beforeend', html); }",
            Text);
        await WaitForAsync(page, "() => window.blocked.length > 0");
        Assert.Equal(1, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#detail img').length"));
        Assert.StartsWith("script-src", await page.EvaluateExpressionAsync<string>("window.blocked[0]"), StringComparison.Ordinal);
        Assert.True(await page.EvaluateExpressionAsync<bool>("window.pwned === undefined"));
    }

    [Fact]
    public async Task Page_FinishedRunOnAGitProject_ShowsBranchCommitsAndPullRequestLink()
    {
        docker.RequireDocker();
        var browser = chromium.Require();
        await using var kit = await PublishingTestKit.StartAsync(docker);
        using var project = new ProjectDirectory();
        await AgentTestKit.InitRepositoryAsync(project);
        var remote = await kit.Forge.CreateRepositoryAsync("demo", project.Path);
        // The run template writes a file into the project; the runner commits it on the task's branch, pushes it to
        // the forge and opens the pull request there.
        var mapping = $$"""
              github_token: "{{PublishingTestKit.Token}}"
              project_mapping:
                - {pattern: "backend", path: "{{project.Path}}", name: backend, publish: {mode: pull_request, remote: "{{remote}}", api_url: "{{kit.Forge.ApiUrl}}", repository: "{{PublishingTestKit.Repository}}", network: "{{kit.Network}}"} }
            """;
        await using var system = await CodeurSystem.StartAsync(UiEnabled, mappingYaml: mapping);
        var id = await PostTaskAsync(system, "add a note for the page");
        var task = await system.WaitFinishedAsync(id, TimeSpan.FromSeconds(180));
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        var git = task.GetProperty("git");
        var url = git.GetProperty("publication").GetProperty("pull_request_url").GetString()!;

        await using var page = await OpenAsync(browser, system, CodeurSystem.Token);
        await page.WaitForSelectorAsync($"tr[data-id='{id}'][data-state='succeeded']", new WaitForSelectorOptions { Timeout = WaitMs });
        await page.ClickAsync($"tr[data-id='{id}']");
        await page.WaitForSelectorAsync("#pr-link", new WaitForSelectorOptions { Timeout = WaitMs });

        Assert.Equal(url, await page.EvaluateExpressionAsync<string>("document.getElementById('pr-link').href"));
        Assert.Equal("https://github.example/acme/demo/pull/1", url);
        var shown = await page.EvaluateExpressionAsync<string>("document.getElementById('d-git').textContent");
        Assert.Contains("branch codeur/" + id, shown, StringComparison.Ordinal);
        foreach (var commit in git.GetProperty("commits").EnumerateArray())
        {
            Assert.Contains(commit.GetProperty("sha").GetString()![..12] + " " + commit.GetProperty("subject").GetString(), shown, StringComparison.Ordinal);
        }

        await Screenshots.SaveAsync(page, "6-git-result-and-pull-request");
    }

    private static IEnumerable<int> Ticks(string log) =>
        TickPattern().Matches(log).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0);

    [GeneratedRegex(@"tick-(\d+)\n")]
    private static partial Regex TickPattern();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
