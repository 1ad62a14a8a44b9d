using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.IntegrationTests.Sandbox;
using Codeur.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace Codeur.IntegrationTests.Storage;

/// <summary>
/// Gateway and runner as real processes, tasks in real containers, outputs in a real S3-compatible server (s3rver in a
/// Testcontainers-managed container): what goes to the bucket, what the store keeps, what the API serves and to whom,
/// and what happens when the bucket is down or loses an object.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class S3OutputTests(DockerFixture docker, S3Server s3) : IClassFixture<S3Server>
{
    private const string StrangerToken = "e2e-stranger-token-0123456789";
    private const string Threshold = "16k";

    [Fact]
    public async Task Search_OutputAboveThreshold_InTheBucketWithAReferenceInTheStoreAndServedThroughTheApi()
    {
        docker.RequireDocker();
        s3.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        var prefix = "e2e-" + Guid.NewGuid().ToString("N")[..8] + "/";
        await using var system = await StartAsync(s3.Endpoint.ToString(), prefix);
        WriteHaystack(system);

        // A small output first: it stays inline, and nothing reaches the bucket for it.
        var small = await system.WaitFinishedAsync(await SubmitAsync(system, "run", "hello"));
        Assert.Equal("succeeded", small.GetProperty("state").GetString());
        Assert.EndsWith("done\n", small.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.False(small.TryGetProperty("output_object", out _));

        var id = await SubmitAsync(system, "search", "needle");
        var view = await system.WaitFinishedAsync(id, TimeSpan.FromSeconds(120));
        Assert.Equal("succeeded", view.GetProperty("state").GetString());
        var reference = view.GetProperty("output_object");
        var size = reference.GetProperty("size").GetInt64();
        var sha256 = reference.GetProperty("sha256").GetString()!;
        // Above the threshold, and above the 64 KiB the task's JSON shows, so the tail is a ranged read.
        Assert.True(size > 64 * 1024, $"the search printed only {size} bytes");
        Assert.Equal($"/api/tasks/{id}/output", reference.GetProperty("url").GetString());

        // The whole output, through the gateway, streamed from the bucket: the bytes the SHA-256 names.
        using var response = await system.Client.SendAsync(CodeurSystem.Observer(HttpMethod.Get, $"/api/tasks/{id}/output"), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var served = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(size, served.Length);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(served)));
        var text = Encoding.UTF8.GetString(served);
        Assert.Contains("needle", text, StringComparison.Ordinal);
        Assert.Contains("café 語語語", text, StringComparison.Ordinal);

        // The store keeps the reference, not the text; the object under it holds exactly those bytes.
        var (inline, stored) = await ReadRowAsync(system, id);
        Assert.Null(inline);
        using var row = JsonDocument.Parse(stored!);
        var key = row.RootElement.GetProperty("Key").GetString()!;
        Assert.StartsWith(prefix, key, StringComparison.Ordinal);
        Assert.Equal(size, row.RootElement.GetProperty("Size").GetInt64());
        using var client = s3.CreateClient();
        using (var obj = await client.GetObjectAsync(S3Server.Bucket, key, ct))
        using (var buffer = new MemoryStream())
        {
            await obj.ResponseStream.CopyToAsync(buffer, ct);
            Assert.Equal(served, buffer.ToArray());
        }

        // Only the large output went to the bucket.
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3Server.Bucket, Prefix = prefix }, ct);
        Assert.Equal([key], (listed.S3Objects ?? []).Select(o => o.Key));

        // The task's JSON carries the tail (capped as for inline output); the log stream replays all of it.
        Assert.True(view.GetProperty("output_truncated").GetBoolean());
        Assert.EndsWith(view.GetProperty("output").GetString()!, text, StringComparison.Ordinal);
        Assert.Equal(text, await ReadLogStreamAsync(system, id));

        // Authorisation still applies: no credential is refused, another token's task does not exist for it.
        using var anonymous = await system.Client.GetAsync($"/api/tasks/{id}/output", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var strangerRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/{id}/output");
        strangerRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StrangerToken);
        using var stranger = await system.Client.SendAsync(strangerRequest, ct);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.DoesNotContain("needle", await stranger.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        // An object lost behind our back: the output route says so as a 502 with a JSON error, the task stays readable.
        await client.DeleteObjectAsync(S3Server.Bucket, key, ct);
        using var lost = await system.Client.SendAsync(CodeurSystem.Observer(HttpMethod.Get, $"/api/tasks/{id}/output"), ct);
        Assert.Equal(HttpStatusCode.BadGateway, lost.StatusCode);
        using var error = JsonDocument.Parse(await lost.Content.ReadAsStringAsync(ct));
        Assert.Equal($"task {id}: the output's object is missing from the bucket", error.RootElement.GetProperty("error").GetString());
        var after = await system.GetTaskAsync(id);
        Assert.Equal("succeeded", after.GetProperty("state").GetString());
        Assert.Equal("the output's object is missing from the bucket", after.GetProperty("output_object").GetProperty("error").GetString());

        // The secret key reached the runner through its environment only: not in the config, not in any log.
        foreach (var file in new[] { system.ConfigPath, system.AuditPath, Path.Combine(system.Directory, "runner.log"), Path.Combine(system.Directory, "gateway.log") })
        {
            var content = File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : "";
            Assert.DoesNotContain(S3Server.SecretAccessKey, content, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Search_BucketUnreachableAtUpload_TaskSucceedsWithItsOutputInline()
    {
        docker.RequireDocker();
        s3.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}";
        closed.Stop();
        await using var system = await StartAsync(endpoint, "e2e-down/");
        WriteHaystack(system);

        var id = await SubmitAsync(system, "search", "needle");
        var view = await system.WaitFinishedAsync(id, TimeSpan.FromSeconds(120));

        Assert.Equal("succeeded", view.GetProperty("state").GetString());
        Assert.False(view.TryGetProperty("output_object", out _));
        var (inline, stored) = await ReadRowAsync(system, id);
        Assert.Null(stored);
        Assert.True(Encoding.UTF8.GetByteCount(inline!) > 16 * 1024);
        Assert.Contains("needle", inline, StringComparison.Ordinal);
        using var response = await system.Client.SendAsync(CodeurSystem.Observer(HttpMethod.Get, $"/api/tasks/{id}/output"), ct);
        Assert.Equal(inline, await response.Content.ReadAsStringAsync(ct));
        Assert.Contains("kept in the queue store, the upload failed", await system.Runner!.ReadLogAsync(), StringComparison.Ordinal);
        using var metrics = new HttpClient();
        var scrape = await metrics.GetStringAsync(new Uri(system.RunnerUrl, "/metrics"), ct);
        Assert.Contains(scrape.Split('\n'), line => line.StartsWith("output_objects_total{", StringComparison.Ordinal)
            && line.Contains("result=\"upload_failed\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
    }

    private static Task<CodeurSystem> StartAsync(string endpoint, string prefix) => CodeurSystem.StartAsync(
        extraYaml: $"""
              storage:
                s3: {"{"}endpoint: "{endpoint}", bucket: "{S3Server.Bucket}", prefix: "{prefix}", region: "us-east-1", path_style: true, threshold: "{Threshold}", timeout: 10{"}"}
              tokens:
                stranger: {"{"}token: "{StrangerToken}", scopes: [api]{"}"}
            """,
        runnerEnvironment: S3Server.CredentialEnvironment);

    /// <summary>
    /// A project file whose lines all match, so <c>search needle</c> prints well over the threshold: the search shows at
    /// most 200 matches of 300 characters, so the lines are mostly three-byte characters.
    /// </summary>
    private static void WriteHaystack(CodeurSystem system)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            builder.Append("needle ").Append(i).Append(" café ").Append('語', 270).Append('\n');
        }

        File.WriteAllText(Path.Combine(system.ProjectsRoot, "backend", "haystack.txt"), builder.ToString());
    }

    private static async Task<string> SubmitAsync(CodeurSystem system, string command, string argument)
    {
        var body = JsonSerializer.Serialize(new { command, args = new[] { argument }, project = "backend" });
        var accepted = await system.SendJsonAsync(CodeurSystem.Bearer(HttpMethod.Post, "/api/tasks", body), HttpStatusCode.Accepted);
        return accepted.GetProperty("task_id").GetString()!;
    }

    private static async Task<(string? Output, string? OutputObject)> ReadRowAsync(CodeurSystem system, string id)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(system.Directory, "codeur.db")};Mode=ReadOnly");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT output, output_object FROM tasks WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>The text of every <c>output</c> event of the task's log stream, joined as a client would.</summary>
    private static async Task<string> ReadLogStreamAsync(CodeurSystem system, string id)
    {
        using var response = await system.Client.SendAsync(CodeurSystem.Observer(HttpMethod.Get, $"/api/tasks/{id}/logs"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        foreach (var block in stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            if (lines[0] != "event: output")
            {
                continue;
            }

            text.Append(string.Join('\n', lines.Skip(1).Select(line => line["data: ".Length..])));
        }

        return text.ToString();
    }
}
