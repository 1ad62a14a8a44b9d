using System.Net;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;

namespace Codeur.Reliability.Tests.Faults;

/// <summary>
/// Part 3a: the Docker engine goes away while tasks are queued and running, then comes back. The shared engine is
/// never stopped: the runner talks to it through a relay that the test cuts (connections refused and dropped), and
/// the running task containers are killed, which is what a dockerd stop without live-restore does to them.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class EngineOutageTests
{
    [Fact]
    public async Task EngineStoppedAndStarted_RunningTasksInterruptedQueuedTasksRunOnceNoOrphans()
    {
        await Suite.RequireDockerAsync();
        await using var relay = new DockerRelay();
        await using var system = await CodeurSystem.StartAsync(workers: 2, runnerEnvironment: new Dictionary<string, string> { ["DOCKER_HOST"] = relay.DockerHost });
        var texts = new Dictionary<string, string>();
        async Task<string> Submit(string text, string project)
        {
            var id = await Tasks.SubmitAsync(system, text, project);
            texts[id] = text;
            return id;
        }

        var running = new[] { await Submit("slow outage backend", "backend"), await Submit("slow outage frontend", "frontend") };
        foreach (var id in running)
        {
            await system.WaitStateAsync(id, "running");
        }

        var queued = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            queued.Add(await Submit($"queued before outage {i}", i % 2 == 0 ? "backend" : "frontend"));
        }

        // Both containers are really running (each wrote its file before it sleeps): the cut lands mid-run.
        var deadline0 = DateTime.UtcNow.AddSeconds(60);
        while (system.TaskFiles("backend").Count + system.TaskFiles("frontend").Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline0, "the slow tasks never started writing");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await relay.CutAsync();
        foreach (var container in await DockerCli.ContainersOfAsync(system.InstanceId))
        {
            await DockerCli.RunAsync("kill", container);
        }

        // While the engine is away: intake still accepts (the queue does not need Docker), health says what is wrong.
        for (var i = 0; i < 2; i++)
        {
            queued.Add(await Submit($"queued during outage {i}", i % 2 == 0 ? "backend" : "frontend"));
        }

        using var runnerClient = new HttpClient { BaseAddress = system.RunnerUrl, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await runnerClient.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            Assert.True(DateTime.UtcNow < deadline, "runner /health never reported the engine down");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
        relay.Restore();
        var outage = clock.Elapsed;

        var states = await Tasks.WaitAllFinalAsync(system, running.Concat(queued), TimeSpan.FromSeconds(120));
        var recovered = clock.Elapsed;
        foreach (var id in running)
        {
            Assert.Equal("interrupted", states[id]);
        }

        foreach (var id in queued)
        {
            Assert.Equal("succeeded", states[id]);
        }

        await Tasks.AssertEndedExactlyOnceAsync(system, states, texts);
        await Tasks.AssertNoContainerLeftAsync(system, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await runnerClient.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        Suite.Report("fault_engine_outage", new
        {
            running_at_cut = running.Length,
            queued = queued.Count,
            outage_seconds = Math.Round(outage.TotalSeconds, 1),
            all_final_after_seconds = Math.Round(recovered.TotalSeconds, 1),
            states = states.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()),
            tasks_lost = 0,
            orphan_containers = 0,
        });
    }
}
