using System.Text;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Replies;
using Codeur.Tests.Shared;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Storage;

/// <summary>
/// The ending reply of a task whose output went to the bucket: the whole runner in process, the production GitHub
/// client pointed at the recording fake, the output in the real S3 server.
/// </summary>
public sealed class StoredOutputReplyTests(S3Server s3) : IClassFixture<S3Server>
{
    [Fact]
    public async Task GitHubComment_OutputInTheBucket_ReplyCarriesItsTailAndLinksTheWhole()
    {
        s3.RequireAvailable();
        var output = new StringBuilder("FIRST-LINE\n");
        for (var i = 0; i < 8000; i++)
        {
            output.Append("progress line ").Append(i).Append('\n');
        }

        output.Append("LAST-LINE\n");
        await using var fake = await FakePlatformServer.StartAsync();
        var storage = $$"""
              storage:
                s3: {endpoint: "{{s3.Endpoint}}", bucket: "{{S3Server.Bucket}}", prefix: "replies-{{Guid.NewGuid():N}}/", path_style: true, threshold: "4k"}
            """;
        await using var host = await RunnerHost.StartAsync(EndingExecutor(output.ToString()),
            extraConfig: Config(fake, replies: "    task_api_url: \"https://codeur.example\"", webhook: storage));

        using var response = await GitHubCommentAsync(host, "run --project backend ending:succeeded");
        var id = await TaskIdAsync(response);
        var task = await host.WaitForFinalAsync(id);
        var end = (await fake.WaitForAsync(_ => true, count: 2))[1];

        Assert.NotNull(task.OutputObject);
        Assert.Null(task.Output);
        var body = end.Json.GetProperty("body").GetString()!;
        Assert.Contains("LAST-LINE", body, StringComparison.Ordinal);
        Assert.DoesNotContain("FIRST-LINE", body, StringComparison.Ordinal);
        var size = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{task.OutputObject.Size / 1024.0:0.#}");
        Assert.Contains($"Full output ({size} KiB): https://codeur.example/api/tasks/{id}/output", body, StringComparison.Ordinal);
    }
}
