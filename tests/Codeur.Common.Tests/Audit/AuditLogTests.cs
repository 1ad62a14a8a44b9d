using System.Text.Json;
using Codeur.Audit;
using Codeur.Configuration;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Codeur.Common.Tests.Audit;

/// <summary>The audit writer batches lines off the request path (issue 16) and still loses none on a clean stop.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codeur-audit-").FullName;

    [Fact]
    public async Task StopAsync_BurstQueuedJustBefore_EveryRecordWrittenAsOneWholeLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_directory, "audit.jsonl");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var config = new AgentConfig { Webhook = new WebhookSection { Audit = new AuditSection { Path = path } } };
        using var audit = new AuditLog(config, TimeProvider.System, services.GetRequiredService<IMeterFactory>());
        await audit.StartAsync(ct);

        // More than one batch's worth (64 KiB per write), with lines of varied length, queued faster than the writer drains.
        const int Records = 5000;
        for (var i = 0; i < Records; i++)
        {
            audit.Write(new AuditRecord("task_queued") { TaskId = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Reason = new string('r', i % 300) });
        }

        await audit.StopAsync(ct);

        var lines = await File.ReadAllLinesAsync(path, ct);
        Assert.Equal(Records, lines.Length);
        for (var i = 0; i < Records; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), line.RootElement.GetProperty("task_id").GetString());
            Assert.Equal(i % 300, line.RootElement.GetProperty("reason").GetString()!.Length);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
