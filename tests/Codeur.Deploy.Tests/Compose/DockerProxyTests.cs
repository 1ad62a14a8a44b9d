using System.Net;
using System.Text;
using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Compose;

/// <summary>
/// The socket proxy (codeur/docker-proxy) in front of the real engine: the calls the runner makes pass, every
/// other endpoint and every escalation in a create body is refused with 403 before it reaches the engine.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class DockerProxyTests(ImagesFixture images) : IAsyncLifetime
{
    private readonly string _name = "codeur-proxy-test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _projects = "/tmp/codeur-proxy-projects-" + Guid.NewGuid().ToString("N")[..8];
    private HttpClient? _http;
    private bool _started;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http => _http ?? throw new InvalidOperationException("proxy not started");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_started)
        {
            await Docker.RunAsync("rm", "-f", _name);
            var leftovers = await Docker.RunAsync("ps", "-aq", "--filter", "label=codeur.proxy-test=" + _name);
            foreach (var id in leftovers.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Docker.RunAsync("rm", "-f", id.Trim());
            }
        }

        Directory.Delete(_projects, recursive: true);
    }

    [Theory]
    [InlineData("GET", "/_ping")]
    [InlineData("HEAD", "/_ping")]
    [InlineData("GET", "/v1.41/_ping")]
    [InlineData("GET", "/version")]
    [InlineData("GET", "/containers/json?all=1")]
    public async Task RunnerCalls_Pass(string method, string path)
    {
        await StartAsync();

        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/info")]
    [InlineData("GET", "/images/json")]
    [InlineData("POST", "/images/create?fromImage=alpine")]
    [InlineData("POST", "/build")]
    [InlineData("POST", "/containers/abc/exec")]
    [InlineData("POST", "/exec/abc/start")]
    [InlineData("GET", "/containers/abc/archive?path=/")]
    [InlineData("PUT", "/containers/abc/archive?path=/")]
    [InlineData("POST", "/containers/abc/update")]
    [InlineData("POST", "/volumes/create")]
    [InlineData("POST", "/networks/create")]
    [InlineData("GET", "/events")]
    [InlineData("POST", "/swarm/init")]
    [InlineData("POST", "/v1.41/containers/abc/exec")]
    [InlineData("GET", "/containers/../images/json")]
    [InlineData("POST", "/containers/prune")]
    public async Task OtherEndpoints_Refused(string method, string path)
    {
        await StartAsync();

        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("privileged", """ "HostConfig": {"Privileged": true} """)]
    [InlineData("privileged, lower case (Go matches keys case-insensitively)", """ "hostconfig": {"privileged":true} """)]
    [InlineData("privileged, key escaped", """ "HostConfig": {"Privil\u0065ged": true} """)]
    [InlineData("privileged, non-ASCII key folding", """ "HostConfig": {"Privileged": true, "ſecurityOpt": []} """)]
    [InlineData("capability added", """ "HostConfig": {"CapAdd": ["SYS_ADMIN"]} """)]
    [InlineData("device", """ "HostConfig": {"Devices": [{"PathOnHost": "/dev/sda"}]} """)]
    [InlineData("host network", """ "HostConfig": {"NetworkMode": "host"} """)]
    [InlineData("host pid", """ "HostConfig": {"PidMode": "host"} """)]
    [InlineData("another container's namespace", """ "HostConfig": {"IpcMode": "container:abc"} """)]
    [InlineData("unconfined seccomp", """ "HostConfig": {"SecurityOpt": ["seccomp=unconfined"]} """)]
    [InlineData("Binds", """ "HostConfig": {"Binds": ["/:/host"]} """)]
    [InlineData("root bind mount", """ "HostConfig": {"Mounts": [{"Type": "bind", "Source": "/", "Target": "/host"}]} """)]
    [InlineData("socket bind mount", """ "HostConfig": {"Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Target": "/s"}]} """)]
    [InlineData("escape from the projects", """ "HostConfig": {"Mounts": [{"Type": "bind", "Source": "PROJECTS/../../etc", "Target": "/w"}]} """)]
    [InlineData("escape with escaped slashes", """ "HostConfig": {"Mounts": [{"Type": "bind", "Source": "PROJECTS\/..\/..\/etc", "Target": "/w"}]} """)]
    [InlineData("a sibling of the projects directory", """ "HostConfig": {"Mounts": [{"Type": "bind", "Source": "PROJECTS-other", "Target": "/w"}]} """)]
    [InlineData("named volume", """ "HostConfig": {"Mounts": [{"Type": "volume", "Source": "x", "Target": "/w"}]} """)]
    public async Task Create_Escalation_Refused(string what, string hostConfig)
    {
        await StartAsync();

        using var response = await CreateAsync(hostConfig.Replace("PROJECTS", _projects, StringComparison.Ordinal));

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    [Fact]
    public async Task Create_SandboxLikeSpecWithProjectMount_CreatedInspectedAndRemoved()
    {
        await StartAsync();

        using var created = await CreateAsync($$"""
            "HostConfig": {"Mounts": [{"Type": "bind", "Source": "{{_projects}}", "Target": "/workspace", "ReadOnly": false}],
                           "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges"], "NetworkMode": "none", "ReadonlyRootfs": true,
                           "Tmpfs": {"/tmp": "size=16m"}, "Init": true}
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("Id").GetString()!;

        using var inspected = await Http.GetAsync(new Uri($"/containers/{id}/json", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, inspected.StatusCode);
        using var removed = await Http.DeleteAsync(new Uri($"/containers/{id}?force=true", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    private Task<HttpResponseMessage> CreateAsync(string hostConfig)
    {
        var body = $$"""{"Image": "codeur/sandbox:latest", "Cmd": ["true"], "Labels": {"codeur.proxy-test": "{{_name}}"}, {{hostConfig}}}""";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return Http.PostAsync(new Uri("/containers/create", UriKind.Relative), content, Ct);
    }

    private async Task StartAsync()
    {
        await images.RequireAsync();
        Directory.CreateDirectory(_projects);
        _started = true;
        (await Docker.RunAsync(
            "run", "-d", "--name", _name, "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--group-add", await Docker.SocketGroupAsync(), "-e", "CODEUR_PROJECTS_DIR=" + _projects,
            "-v", "/var/run/docker.sock:/var/run/docker.sock:ro", "-p", "127.0.0.1::2375", "codeur/docker-proxy:latest")).EnsureSuccess("docker run proxy");
        var port = (await Docker.RunAsync("port", _name, "2375/tcp")).EnsureSuccess("docker port").Output.Trim().Split('\n')[0].Split(':')[^1];
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var ping = await _http.GetAsync(new Uri("/_ping", UriKind.Relative), Ct);
                if (ping.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail("the proxy did not answer /_ping: " + (await Docker.RunAsync("logs", _name)).Error);
    }
}
