using System.Net;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>Submitting tasks and checking the suite's central promise: every accepted task ends exactly once, truthfully.</summary>
public static class Tasks
{
    public static readonly string[] Final = ["succeeded", "failed", "timed_out", "oom_killed", "output_limit", "cancelled", "interrupted", "rejected"];

    public static async Task<string> SubmitAsync(CodeurSystem system, string text, string project) =>
        (await system.SendJsonAsync(
            CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", JsonSerializer.Serialize(new { command = "run", args = new[] { text }, project })),
            HttpStatusCode.Accepted)).GetProperty("task_id").GetString()!;

    /// <summary>Waits (bounded) until none of <paramref name="ids"/> is queued or running; returns id → state.</summary>
    public static async Task<Dictionary<string, string>> WaitAllFinalAsync(CodeurSystem system, IEnumerable<string> ids, TimeSpan timeout)
    {
        var database = Path.Combine(system.Directory, "codeur.db");
        return await WaitAllFinalAsync(database, ids, timeout);
    }

    public static async Task<Dictionary<string, string>> WaitAllFinalAsync(string database, IEnumerable<string> ids, TimeSpan timeout)
    {
        var wanted = ids.ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = (await TaskStore.ReadAsync(database)).Where(r => wanted.Contains(r.Id)).ToDictionary(r => r.Id, r => r.State);
            Assert.Equal(wanted.Count, rows.Count);
            var pending = rows.Where(r => !Final.Contains(r.Value)).ToList();
            if (pending.Count == 0)
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{pending.Count} tasks not finished in time: {string.Join(", ", pending.Take(5).Select(p => $"{p.Key}={p.Value}"))}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Exactly once: one <c>task_finished</c> audit record per task, whose ending is the stored state; each succeeded
    /// task's text written once into its project; a task that did not succeed wrote it at most once (an interrupted
    /// one may have got that far, it was never re-run).
    /// </summary>
    public static async Task AssertEndedExactlyOnceAsync(CodeurSystem system, IReadOnlyDictionary<string, string> states, IReadOnlyDictionary<string, string> texts)
    {
        var audit = await Suite.AuditAsync(system.AuditPath);
        var finished = audit.Where(a => a.GetProperty("event").GetString() == "task_finished" && a.TryGetProperty("task_id", out _))
            .GroupBy(a => a.GetProperty("task_id").GetString()!).ToDictionary(g => g.Key, g => g.ToList());
        var written = Directory.GetDirectories(system.ProjectsRoot).SelectMany(p => Directory.GetFiles(p, "task-*.txt")).Select(File.ReadAllText)
            .GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (id, state) in states)
        {
            var records = finished.GetValueOrDefault(id) ?? [];
            Assert.True(records.Count == 1, $"task {id} ({state}) has {records.Count} task_finished records");
            var reason = records[0].TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "";
            Assert.True(reason.StartsWith(state, StringComparison.Ordinal), $"task {id}: stored {state}, audited '{reason}'");
            var count = written.GetValueOrDefault(texts[id]);
            if (state == "succeeded")
            {
                Assert.True(count == 1, $"task {id} succeeded but its text was written {count} times");
            }
            else
            {
                Assert.True(count <= 1, $"task {id} ({state}) ran {count} times");
            }
        }
    }

    /// <summary>Waits (bounded) until no container of this system is left.</summary>
    public static async Task AssertNoContainerLeftAsync(CodeurSystem system, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<string> left;
        while ((left = await DockerCli.ContainersOfAsync(system.InstanceId)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"containers left behind: {string.Join(", ", left)}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
