using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;

namespace Codeur.Reliability.Tests.Faults;

/// <summary>
/// Part 3c: the file system holding the SQLite queue fills up. The queue lives on a small tmpfs the test mounts
/// (root only), which a filler file then fills. Intake must say 503 with Retry-After (never 500, never a 2xx for a
/// task it could not store), the runner must not die, and once space returns everything accepted runs once.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DiskFullTests
{
    [Fact]
    public async Task QueueDiskFull_IntakeAnswers503RetryAfterRunnerSurvivesAcceptedTasksRunOnce()
    {
        await Suite.RequireDockerAsync();
        if (Environment.UserName != "root")
        {
            const string reason = "mounting the small tmpfs for the queue needs root";
            if (Environment.GetEnvironmentVariable("CODEUR_REQUIRE_DOCKER") == "1")
            {
                Assert.Fail(reason);
            }

            Assert.Skip(reason);
        }

        var mount = Directory.CreateTempSubdirectory("codeur-rel-full-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", mount);
        try
        {
            await using var system = await CodeurSystem.StartAsync(workers: 2, queueYaml: $"queue: {{backend: sqlite, path: \"{mount}/codeur.db\"}}");
            var database = Path.Combine(mount, "codeur.db");
            var texts = new Dictionary<string, string>();
            for (var i = 0; i < 2; i++)
            {
                var text = $"before full {i}";
                texts[await Tasks.SubmitAsync(system, text, i % 2 == 0 ? "backend" : "frontend")] = text;
            }

            // Fill the file system while those two run: their endings must be recorded despite it (or once it clears).
            var filler = Path.Combine(mount, "filler");
            var filled = await FillAsync(filler);

            var refused = 0;
            var acceptedWhileFull = 0;
            for (var i = 0; i < 20; i++)
            {
                var text = $"while full {i}";
                using var response = await system.Client.SendAsync(
                    CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", JsonSerializer.Serialize(new { command = "run", args = new[] { text }, project = "backend" })), TestContext.Current.CancellationToken);
                var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    // SQLite may still fit a row in pages it already owns: then the task is stored and must run.
                    texts[JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!] = text;
                    acceptedWhileFull++;
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"while the disk is full: {(int)response.StatusCode} {body}");
                Assert.True(response.Headers.RetryAfter is not null, "503 without Retry-After");
                Assert.Contains("\"error\"", body);
                refused++;
            }

            await Task.Delay(3000, TestContext.Current.CancellationToken);
            Assert.False(system.Runner!.HasExited, "the runner died of a full disk:\n" + await system.Runner.ReadLogAsync());
            Assert.True(refused > 0, "the full disk refused nothing: the fault was not exercised");

            File.Delete(filler);
            for (var i = 0; i < 3; i++)
            {
                var text = $"after full {i}";
                texts[await Tasks.SubmitAsync(system, text, i % 2 == 0 ? "backend" : "frontend")] = text;
            }

            var states = await Tasks.WaitAllFinalAsync(database, texts.Keys, TimeSpan.FromSeconds(180));
            Assert.All(states, s => Assert.Equal("succeeded", s.Value));
            await Tasks.AssertEndedExactlyOnceAsync(system, states, texts);
            await Tasks.AssertNoContainerLeftAsync(system, TimeSpan.FromSeconds(30));
            var audit = await Suite.AuditAsync(system.AuditPath);
            Assert.True(audit.Count(a => a.GetProperty("event").GetString() == "request_rejected" && a.TryGetProperty("status", out var s) && s.GetInt32() == 503) >= refused, "a 503 was not audited");
            Suite.Report("fault_disk_full", new
            {
                filesystem = "tmpfs 4 MiB",
                filler_bytes = filled,
                refused_503_while_full = refused,
                accepted_while_full = acceptedWhileFull,
                accepted = texts.Count,
                states = states.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()),
                tasks_lost = 0,
            });
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    private static async Task<long> FillAsync(string path)
    {
        var chunk = new byte[64 * 1024];
        long written = 0;
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                await stream.WriteAsync(chunk, TestContext.Current.CancellationToken);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
        }

        // Whatever smaller remainder is left goes too.
        try
        {
            for (var i = 0; i < 64; i++)
            {
                await stream.WriteAsync(chunk.AsMemory(0, 1024), TestContext.Current.CancellationToken);
                written += 1024;
            }
        }
        catch (IOException)
        {
        }

        return written;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {error}");
    }
}
