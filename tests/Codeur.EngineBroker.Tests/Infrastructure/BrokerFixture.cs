using System.Net;
using System.Text;
using System.Text.Json;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Codeur.EngineBroker.Tests.Infrastructure;

/// <summary>
/// The real engine, and the broker in front of it on a unix socket of its own, configured the way compose configures
/// it: one runner id, the sandbox image, one projects root. The root holds a legitimate project plus the links and
/// siblings the path attacks use. Everything created carries labels unique to this run and is removed at the end.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string SandboxImage = "codeur/sandbox:latest";
    public const string ApiVersion = "v1.41";

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private WebApplication? _broker;
    private string? _unavailable;

    public BrokerFixture()
    {
        Root = "/tmp/codeur-broker-test-" + _run;
        RunnerId = "codeur-broker-test-" + _run;
    }

    /// <summary>Put on every container created directly, so the sweep finds them whatever their runner label.</summary>
    public static string TestLabel => "codeur.broker-test";

    public string Run => _run;

    public string Root { get; }

    public string Projects => Root + "/projects";

    public string Project => Projects + "/app";

    public string Outside => Root + "/outside";

    public string RunnerId { get; }

    public string BrokerSocket => Root + "/broker.sock";

    public string AuditPath => Root + "/audit.jsonl";

    /// <summary>The sandbox image under a tag the broker does not admit (same bytes, so only the name differs).</summary>
    public string OtherImage => "codeur/broker-test-other:" + _run;

    /// <summary>A created (never started) container other containers try to share namespaces or volumes with.</summary>
    public string TargetId { get; private set; } = "";

    public string TargetName => "codeur-broker-test-target-" + _run;

    public HttpClient Engine { get; } = UnixHttp.Create("/var/run/docker.sock");

    public HttpClient Broker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            using var ping = await Engine.GetAsync(new Uri("/_ping", UriKind.Relative));
            ping.EnsureSuccessStatusCode();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException or TaskCanceledException)
        {
            _unavailable = ex.Message;
            return;
        }

        Directory.CreateDirectory(Project);
        Directory.CreateDirectory(Projects + "/real/sub");
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Root + "/projects-other");
        await File.WriteAllTextAsync(Outside + "/marker", "outside-" + _run);
        File.CreateSymbolicLink(Projects + "/link", Outside);
        File.CreateSymbolicLink(Projects + "/rootlink", "/");
        File.CreateSymbolicLink(Projects + "/dirlink", Projects + "/real");

        await DockerAsync("tag", SandboxImage, OtherImage);
        TargetId = await CreateDirectAsync(CreateBodies.Foreign(this), name: TargetName);

        _broker = BrokerApplication.Build(["--Logging:LogLevel:Default=Error"], new BrokerOptions
        {
            Listen = ["unix:" + BrokerSocket],
            RunnerId = RunnerId,
            Images = [SandboxImage],
            ProjectsRoots = [Projects],
            Runtimes = ["runsc"],
            EgressNetwork = "",
            AuditPath = AuditPath,
        });
        await _broker.StartAsync();
        Broker = UnixHttp.Create(BrokerSocket);
    }

    public async ValueTask DisposeAsync()
    {
        if (_unavailable is null)
        {
            foreach (var filter in new[] { $"{TestLabel}={_run}", $"codeur.runner={RunnerId}" })
            {
                var ids = await DockerAsync("ps", "-aq", "--filter", "label=" + filter);
                foreach (var id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await DockerAsync("rm", "-fv", id.Trim());
                }
            }

            await DockerAsync("rmi", OtherImage);
        }

        if (_broker is not null)
        {
            await _broker.StopAsync();
            await _broker.DisposeAsync();
        }

        Broker?.Dispose();
        Engine.Dispose();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>Call first in every test: no engine fails under CI (<c>CODEUR_REQUIRE_DOCKER=1</c>), else skips loudly.</summary>
    public void RequireDocker()
    {
        if (_unavailable is null)
        {
            return;
        }

        var reason = $"Docker engine not reachable at /var/run/docker.sock: {_unavailable}";
        if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1" || Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason + " (CI runs everything, so this is a failure, not a skip)");
        }

        Assert.Skip(reason);
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Creates straight on the engine; fails the test unless the engine accepted it.</summary>
    public async Task<string> CreateDirectAsync(string body, string version = ApiVersion, string? name = null)
    {
        var query = name is null ? "" : "?name=" + name;
        using var response = await Engine.PostAsync(new Uri($"/{version}/containers/create{query}", UriKind.Relative), Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"the engine refused the control attempt ({(int)response.StatusCode}): {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("Id").GetString()!;
    }

    public async Task<JsonElement> InspectDirectAsync(string id)
    {
        using var response = await Engine.GetAsync(new Uri($"/{ApiVersion}/containers/{id}/json", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public async Task RemoveDirectAsync(string id)
    {
        using var response = await Engine.DeleteAsync(new Uri($"/{ApiVersion}/containers/{id}?force=1&v=1", UriKind.Relative));
    }

    public static async Task<string> DockerAsync(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return await output + await error;
    }
}

[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "engine broker";
}
