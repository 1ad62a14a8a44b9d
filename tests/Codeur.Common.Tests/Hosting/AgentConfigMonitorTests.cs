using Codeur.Configuration;
using Codeur.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Codeur.Common.Tests.Hosting;

public sealed class AgentConfigMonitorTests : IDisposable
{
    // The bar: a change is in force within 2 s of the edit.
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(2);

    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-reload-").FullName;
    private readonly FakeLogger<AgentConfigMonitor> _logger = new();

    private string ConfigPath => Path.Combine(_directory, ".agent.yaml");

    private static string Yaml(int rateLimit, int port = 8080, string extra = "") => $"""
        webhook:
          port: {port}
          rate_limit: {rateLimit}
        {extra}
        """;

    [Fact]
    public async Task Reload_AtomicRenameReplace_NewValueWithinTwoSecondsAndOnChangeFires()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();
        var seen = new TaskCompletionSource<AgentConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = monitor.OnChange((config, _) => seen.TrySetResult(config));

        // How vim, VS Code and kubectl-style tools save: write elsewhere, rename over the original.
        var temporary = ConfigPath + ".tmp";
        await File.WriteAllTextAsync(temporary, Yaml(250), TestContext.Current.CancellationToken);
        File.Move(temporary, ConfigPath, overwrite: true);

        var changed = await seen.Task.WaitAsync(ReloadDeadline, TestContext.Current.CancellationToken);
        Assert.Equal(250, changed.Webhook.RateLimit);
        Assert.Equal(250, monitor.CurrentValue.Webhook.RateLimit);
    }

    [Fact]
    public async Task Reload_InPlaceWrite_NewValueWithinTwoSeconds()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();

        await using (var stream = new FileStream(ConfigPath, FileMode.Truncate, FileAccess.Write))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(Yaml(75));
        }

        Assert.Equal(75, await PollAsync(() => monitor.CurrentValue.Webhook.RateLimit, 75));
    }

    [Fact]
    public async Task Reload_KubernetesSymlinkSwap_NewValueWithinTwoSeconds()
    {
        // A ConfigMap volume: .agent.yaml -> ..data/.agent.yaml, and an update re-points ..data by an atomic rename.
        // No event names .agent.yaml itself; the poll finds the new content.
        var first = Directory.CreateDirectory(Path.Combine(_directory, "..2026_12_06_01"));
        await File.WriteAllTextAsync(Path.Combine(first.FullName, ".agent.yaml"), Yaml(100), TestContext.Current.CancellationToken);
        File.CreateSymbolicLink(Path.Combine(_directory, "..data"), first.Name);
        File.CreateSymbolicLink(ConfigPath, Path.Combine("..data", ".agent.yaml"));
        using var monitor = await StartAsync();
        Assert.Equal(100, monitor.CurrentValue.Webhook.RateLimit);

        var second = Directory.CreateDirectory(Path.Combine(_directory, "..2026_12_06_02"));
        await File.WriteAllTextAsync(Path.Combine(second.FullName, ".agent.yaml"), Yaml(45), TestContext.Current.CancellationToken);
        File.CreateSymbolicLink(Path.Combine(_directory, "..data_tmp"), second.Name);
        // rename(2) as the kubelet does; File.Move refuses a link whose target is a directory.
        Assert.Equal(0, Rename(Path.Combine(_directory, "..data_tmp"), Path.Combine(_directory, "..data")));

        Assert.Equal(45, await PollAsync(() => monitor.CurrentValue.Webhook.RateLimit, 45));
    }

    [Fact]
    public async Task Reload_BusyDirectory_OtherFilesDoNotDelayTheReload()
    {
        // An audit log beside the config, written on every request: its events must not keep pushing the check back.
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var noise = Task.Run(async () =>
        {
            var audit = Path.Combine(_directory, "audit.log");
            while (!stop.IsCancellationRequested)
            {
                await File.AppendAllTextAsync(audit, "{}\n", CancellationToken.None);
                await Task.Delay(10, CancellationToken.None);
            }
        }, CancellationToken.None);

        await File.WriteAllTextAsync(ConfigPath, Yaml(64), TestContext.Current.CancellationToken);
        var value = await PollAsync(() => monitor.CurrentValue.Webhook.RateLimit, 64);
        await stop.CancelAsync();
        await noise;

        Assert.Equal(64, value);
    }

    [Fact]
    public async Task Reload_BrokenEdit_KeepsPreviousSettingsAndLogsKeyAndLine()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();
        var before = monitor.CurrentValue;
        var changes = 0;
        using var registration = monitor.OnChange((_, _) => Interlocked.Increment(ref changes));

        await File.WriteAllTextAsync(ConfigPath, Yaml(0), TestContext.Current.CancellationToken);

        var error = await LogAsync(LogLevel.Error);
        Assert.Contains("webhook.rate_limit (line 3)", error.Message, StringComparison.Ordinal);
        Assert.Same(before, monitor.CurrentValue);
        Assert.Equal(100, monitor.CurrentValue.Webhook.RateLimit);
        Assert.Equal(0, Volatile.Read(ref changes));

        // The next good edit is taken as usual.
        await File.WriteAllTextAsync(ConfigPath, Yaml(120), TestContext.Current.CancellationToken);
        Assert.Equal(120, await PollAsync(() => monitor.CurrentValue.Webhook.RateLimit, 120));
    }

    [Fact]
    public async Task Reload_UnknownKey_KeepsPreviousSettingsAndNamesTheKey()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();

        await File.WriteAllTextAsync(ConfigPath, Yaml(300, extra: "  rate_limt: 5"), TestContext.Current.CancellationToken);

        var error = await LogAsync(LogLevel.Error);
        Assert.Contains("unknown key 'rate_limt'", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(100, monitor.CurrentValue.Webhook.RateLimit);
    }

    [Fact]
    public async Task Reload_RestartOnlyKeyChanged_KeepsStartValueWarnsAndAppliesTheRest()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100, port: 8080), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();

        await File.WriteAllTextAsync(ConfigPath, Yaml(40, port: 9090), TestContext.Current.CancellationToken);

        Assert.Equal(40, await PollAsync(() => monitor.CurrentValue.Webhook.RateLimit, 40));
        Assert.Equal(8080, monitor.CurrentValue.Webhook.Port);
        var warning = await LogAsync(LogLevel.Warning);
        Assert.Contains("webhook.port", warning.Message, StringComparison.Ordinal);
        Assert.Contains("needs a restart", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_SecretFileRotated_NewSecretWithoutTouchingTheConfig()
    {
        var secret = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(secret, "first-secret-value", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(ConfigPath, Yaml(100, extra: $"  auth_token: \"${{file:{secret}}}\""), TestContext.Current.CancellationToken);
        using var monitor = await StartAsync();

        await File.WriteAllTextAsync(secret, "second-secret-value", TestContext.Current.CancellationToken);

        Assert.Equal("second-secret-value", await PollAsync(() => monitor.CurrentValue.Webhook.AuthToken, "second-secret-value"));
    }

    [Fact]
    public async Task AddAgentOptions_FileChanged_FeatureOptionsRebuiltFromTheNewSnapshot()
    {
        await File.WriteAllTextAsync(ConfigPath, Yaml(100), TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder(["--config", ConfigPath]);
        builder.AddAgentConfig();
        builder.Services.AddAgentOptions<LimitOptions>((options, config) => options.PerMinute = config.Webhook.RateLimit);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var options = host.Services.GetRequiredService<IOptionsMonitor<LimitOptions>>();
        var first = options.CurrentValue;
        Assert.Equal(100, first.PerMinute);

        await File.WriteAllTextAsync(ConfigPath, Yaml(33), TestContext.Current.CancellationToken);

        Assert.Equal(33, await PollAsync(() => options.CurrentValue.PerMinute, 33));
        Assert.Equal(100, first.PerMinute);
        Assert.Equal(100, host.Services.GetRequiredService<AgentConfig>().Webhook.RateLimit);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<AgentConfigMonitor> StartAsync()
    {
        var file = AgentConfigFile.Read(ConfigPath);
        var monitor = new AgentConfigMonitor(file, file.Load(), TimeProvider.System, _logger);
        await monitor.StartAsync(TestContext.Current.CancellationToken);
        return monitor;
    }

    private static async Task<T> PollAsync<T>(Func<T> read, T expected)
    {
        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (!EqualityComparer<T>.Default.Equals(read(), expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return read();
    }

    private async Task<FakeLogRecord> LogAsync(LogLevel level)
    {
        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (DateTime.UtcNow < deadline)
        {
            if (_logger.Collector.GetSnapshot().FirstOrDefault(r => r.Level == level) is { } record)
            {
                return record;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new Xunit.Sdk.XunitException($"no {level} log within {ReloadDeadline}: " + string.Join(" | ", _logger.Collector.GetSnapshot().Select(r => r.Message)));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);

    private sealed class LimitOptions
    {
        public int PerMinute { get; set; }
    }
}
