using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Gateway.Tests.Infrastructure;

/// <summary>
/// The whole gateway (its real Program) on real Kestrel sockets, configured by a temporary <c>.agent.yaml</c>, with
/// its audit trail in a temporary file and, when given, a fake clock.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string InternalToken = "internal-test-token";

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _directory;
    private readonly Func<string, string> _compose;

    private GatewayHost(WebApplicationFactory<Program> factory, string directory, Func<string, string> compose, Uri address, HttpClient client)
    {
        _factory = factory;
        _directory = directory;
        _compose = compose;
        Address = address;
        Client = client;
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public string AuditPath => Path.Combine(_directory, "audit.log");

    public IServiceProvider Services => _factory.Services;

    public string ConfigPath => Path.Combine(_directory, ".agent.yaml");

    /// <summary>What the gateway logged so far (its JSON console logs are not captured).</summary>
    public FakeLogCollector Logs => _factory.Services.GetFakeLogCollector();

    /// <summary>Replaces the file under the running gateway as editors do (write aside, rename over); same base lines, new <paramref name="webhookYaml"/>.</summary>
    public async Task RewriteConfigAsync(string webhookYaml)
    {
        var aside = ConfigPath + ".new";
        await File.WriteAllTextAsync(aside, _compose(webhookYaml), TestContext.Current.CancellationToken);
        File.Move(aside, ConfigPath, overwrite: true);
    }

    /// <param name="webhookYaml">Extra lines under <c>webhook:</c>, indented by two spaces.</param>
    public static async Task<GatewayHost> StartAsync(string webhookYaml, Uri? runner = null, FakeTimeProvider? time = null, string host = "127.0.0.1", string? configOverride = null)
    {
        var directory = Directory.CreateTempSubdirectory("codeur-gateway-").FullName;
        var configPath = Path.Combine(directory, ".agent.yaml");
        var runnerUrl = runner?.ToString().TrimEnd('/') ?? "http://127.0.0.1:9";
        string Compose(string extra) => $"""
            webhook:
              host: "{host}"
              port: 0
              runner: {"{"}url: "{runnerUrl}", internal_token: "{InternalToken}"{"}"}
              audit: {"{"}path: "{Path.Combine(directory, "audit.log")}"{"}"}
            {extra}
            """;
        await File.WriteAllTextAsync(configPath, configOverride ?? Compose(webhookYaml), TestContext.Current.CancellationToken);

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("config", configPath);
            web.ConfigureTestServices(services =>
            {
                services.AddFakeLogging();
                if (time is not null)
                {
                    services.AddSingleton<TimeProvider>(time);
                }
            });
        });
        factory.UseKestrel();
        factory.StartServer();

        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        // A client in another process: the gateway's tracing sees this process's HttpClient calls too, and would
        // otherwise put the test's own traceparent on every request. This one sends only the headers a test sets.
        var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false, ActivityHeadersPropagator = null };
        var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        return new GatewayHost(factory, directory, Compose, address, client);
    }

    public static string Indent(string yaml) => string.Join('\n', yaml.Split('\n').Select(line => "  " + line));

    /// <summary>The audit records written so far; waits (bounded) until at least <paramref name="atLeast"/> are on disk.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(int atLeast = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var lines = File.Exists(AuditPath)
                ? (await File.ReadAllLinesAsync(AuditPath, TestContext.Current.CancellationToken)).Where(l => l.Length > 0).ToList()
                : [];
            if (lines.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return [.. lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class ResponseAssert
{
    /// <summary>Asserts the status and that the body is the contract's <c>{"error": "..."}</c>; returns the message.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        using var json = JsonDocument.Parse(body);
        var message = json.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }
}
