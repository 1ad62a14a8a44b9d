using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;
using CsCheck;

namespace Codeur.Reliability.Tests.HostileInput;

/// <summary>
/// Part 1: a generated corpus (CsCheck) of hostile requests per platform route plus hand-picked cases, sent as raw
/// bytes to the real gateway in front of the real runner and Docker. Whatever arrives: no 5xx, no crash, no task
/// without a valid credential, nothing written outside the mapped project, every rejection on record.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed partial class HostileInputTests
{
    private const string KestrelBadRequests = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    [Fact]
    public async Task Corpus_EveryRoute_NoServerErrorNoTaskWithoutCredentialNothingOutsideTheProject()
    {
        await Suite.RequireDockerAsync();
        using var signer = new Signer();
        var outside = Directory.CreateTempSubdirectory("codeur-rel-outside-");
        await File.WriteAllTextAsync(Path.Combine(outside.FullName, "sentinel"), "untouched", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(outside.FullName, (UnixFileMode)0x1FF);
        var link = Path.Combine(outside.FullName, "sneaky-link");
        File.CreateSymbolicLink(link, "/etc");
        try
        {
            await using var system = await CodeurSystem.StartAsync(
                extraYaml: $"""
                      slack_signing_secret: "{Signer.SlackSecret}"
                      slack: {"{"}teams: ["*"]{"}"}
                      discord_public_key: "{signer.DiscordPublicKeyHex}"
                      discord: {"{"}guilds: ["*"]{"}"}
                    """,
                workers: 2,
                mappingYaml: $"""
                      project_mapping:
                        - {"{"}pattern: "^(a+)+$", path: "{"{"}projects{"}"}/backend", name: backend{"}"}
                        - {"{"}pattern: "sneaky", path: "{link}", name: sneaky{"}"}
                        - {"{"}pattern: "backend|api|server", path: "{"{"}projects{"}"}/backend", name: backend{"}"}
                        - {"{"}pattern: "frontend|web|ui", path: "{"{"}projects{"}"}/frontend", name: frontend{"}"}
                    """);
            var before = Snapshot(outside.FullName);
            var gateway = new IPEndPoint(IPAddress.Loopback, system.GatewayUrl.Port);
            var runner = new IPEndPoint(IPAddress.Loopback, system.RunnerUrl.Port);
            var corpus = new HostileCorpus(signer);
            var results = new ConcurrentBag<Outcome>();
            var perRoute = Suite.Scale(2000, 20_000);
            var clock = Stopwatch.StartNew();

            async Task SendAsync(HostileRequest request)
            {
                var response = await RawHttp.SendAsync(request.ToRunner ? runner : gateway, request.Wire, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
                var text = response.Text;
                results.Add(new Outcome(request.ValidCredential, response.Status, text.Length > 4096 ? text[..4096] : text));
                Assert.True(response.Status is >= 200 and < 500, $"{response.Status} for {request}\n{response.Head}\n{response.Text}");
                if (!request.ValidCredential)
                {
                    Assert.False(response.Status is >= 200 and < 300, $"accepted without a valid credential: {response.Status} {response.Text} for {request}");
                }
            }

            foreach (var route in HostileCorpus.Routes)
            {
                // CsCheck draws the requests and, should one fail, shrinks it to a minimal failing request.
                await corpus.For(route).SampleAsync(SendAsync, iter: perRoute, threads: 4, print: r => r.ToString());
            }

            var handPicked = HostileCorpus.Routes.SelectMany(corpus.HandPicked).Concat(HostileCorpus.ToRunnerDirectly()).ToList();
            await Parallel.ForEachAsync(handPicked, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (request, _) => await SendAsync(request));
            var sendTime = clock.Elapsed;

            // No crash: both processes alive and healthy after the corpus.
            Assert.False(system.Gateway!.HasExited, "the gateway exited");
            Assert.False(system.Runner!.HasExited, "the runner exited");
            Assert.Equal(HttpStatusCode.OK, (await system.Client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);

            // Tasks: the backlog is cancelled (the corpus queues far more than a CI run should execute), the running ones finish.
            var database = Path.Combine(system.Directory, "codeur.db");
            foreach (var queued in (await TaskStore.ReadAsync(database)).Where(t => t.State == "queued"))
            {
                using var cancel = await system.Client.SendAsync(CodeurSystem.Observer(HttpMethod.Post, $"/api/tasks/{queued.Id}/cancel"), TestContext.Current.CancellationToken);
                Assert.True(cancel.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, $"cancel {queued.Id}: {cancel.StatusCode}");
            }

            var deadline = DateTime.UtcNow.AddSeconds(120);
            IReadOnlyList<TaskStore.Row> tasks;
            while ((tasks = await TaskStore.ReadAsync(database)).Any(t => t.State is "queued" or "running"))
            {
                Assert.True(DateTime.UtcNow < deadline, "tasks still running two minutes after the corpus");
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }

            // No task without a valid credential: every task in the store was answered 2xx to a credentialed request.
            var all = results.ToList();
            var accepted = all.Where(r => r.ValidCredential && r.Status is >= 200 and < 300)
                .SelectMany(r => TaskId().Matches(r.Text).Select(m => m.Value)).ToHashSet();
            var stray = tasks.Where(t => !accepted.Contains(t.Id)).ToList();
            Assert.True(stray.Count == 0, "tasks nobody with a credential was told about: " + string.Join(", ", stray.Select(t => $"{t.Id} {t.Platform} {t.Args}")));

            // Nothing outside the mapped projects: the unmapped directory is byte-identical, and each project holds only
            // files written by tasks routed to it, with their text.
            Assert.Equal(before, Snapshot(outside.FullName));
            foreach (var project in new[] { "backend", "frontend" })
            {
                var texts = tasks.Where(t => t.Project == project && t.Command == "run").Select(t => string.Join(' ', JsonSerializer.Deserialize<string[]>(t.Args)!)).ToHashSet();
                foreach (var file in Directory.GetFiles(Path.Combine(system.ProjectsRoot, project)))
                {
                    var name = Path.GetFileName(file);
                    if (name is "README.md" or "main.py")
                    {
                        continue;
                    }

                    Assert.StartsWith("task-", name);
                    Assert.Contains(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken), texts);
                }
            }

            Assert.Empty(Directory.GetFiles(system.ProjectsRoot));
            Assert.Equal(["backend", "frontend"], Directory.GetDirectories(system.ProjectsRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            // Every rejection on record: the application's in the audit trail (by status), Kestrel's own (framing,
            // oversized headers: the application never sees them) in the gateway log.
            var audit = await Suite.AuditAsync(system.AuditPath);
            var audited = audit.Where(a => a.GetProperty("event").GetString() == "request_rejected" && a.TryGetProperty("status", out _))
                .GroupBy(a => a.GetProperty("status").GetInt32()).ToDictionary(g => g.Key, g => g.Count());
            var rejected = all.Where(r => r.Status >= 400).ToList();
            var byApplication = rejected.Where(r => r.Text.StartsWith("{\"error\"", StringComparison.Ordinal)).GroupBy(r => r.Status);
            foreach (var group in byApplication)
            {
                Assert.True(audited.GetValueOrDefault(group.Key) >= group.Count(), $"{group.Count()} answers {group.Key} but {audited.GetValueOrDefault(group.Key)} audit records");
            }

            var byKestrel = rejected.Count(r => !r.Text.StartsWith("{\"error\"", StringComparison.Ordinal));
            var gatewayLog = await system.Gateway.ReadLogAsync();
            var kestrelLogged = gatewayLog.Split('\n').Count(l => l.Contains(KestrelBadRequests, StringComparison.Ordinal)) + (await system.Runner.ReadLogAsync()).Split('\n').Count(l => l.Contains(KestrelBadRequests, StringComparison.Ordinal));
            Assert.True(kestrelLogged >= byKestrel, $"{byKestrel} requests refused by Kestrel but {kestrelLogged} log lines");

            var statuses = all.GroupBy(r => r.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count());
            Suite.Report("hostile_input", new
            {
                requests = all.Count,
                generated_per_route = perRoute,
                hand_picked = handPicked.Count,
                seconds = Math.Round(sendTime.TotalSeconds, 1),
                statuses,
                server_errors = all.Count(r => r.Status >= 500),
                without_credential = all.Count(r => !r.ValidCredential),
                accepted_without_credential = 0,
                tasks_created = tasks.Count,
                tasks_by_state = tasks.GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count()),
                rejections_audited = audited.Values.Sum(),
                rejections_by_kestrel_logged = kestrelLogged,
                files_outside_touched = 0,
            });
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    private sealed record Outcome(bool ValidCredential, int Status, string Text);

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(path => !new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint))
            .ToDictionary(path => path, path => File.Exists(path) ? $"{new FileInfo(path).Length}:{File.GetLastWriteTimeUtc(path):O}:{File.ReadAllText(path)}" : "dir");

    [GeneratedRegex("\\b[0-9a-f]{32}\\b")]
    private static partial Regex TaskId();
}
