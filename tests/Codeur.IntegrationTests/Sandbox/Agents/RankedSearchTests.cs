using Codeur.Runner.Queue;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary><c>search</c> in the sandbox (this checkout's codeur-tool): BM25-ranked chunks first, on a read-only project.</summary>
[Collection(DockerCollection.Name)]
public sealed class RankedSearchTests(DockerFixture docker, FakeAgentImage image) : IClassFixture<FakeAgentImage>
{
    [Fact]
    public async Task Search_Identifiers_MostRelevantFileRanksFirstThenExactMatches()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        Directory.CreateDirectory(project.Combine("src"));
        await Write(project, "src/TokenValidator.cs", """
            // Validates bearer tokens: checks the token signature and the expiry.
            public sealed class TokenValidator
            {
                public bool ValidateToken(string token) => CheckSignature(token) && !IsExpired(token);
                private bool CheckSignature(string token) => token.Length > 0;
                private bool IsExpired(string token) => false;
            }
            """);
        await Write(project, "src/Invoice.cs", """
            // An invoice total; nothing to do with auth.
            public sealed class Invoice { public decimal Total { get; set; } public string Token { get; set; } = ""; }
            """);
        await Write(project, "docs/notes.md", "Remember to rotate the signing key.\n");
        await AgentTestKit.InitRepositoryAsync(project);
        await AgentTestKit.GitAsync(project.Path, "add", "-A");
        await AgentTestKit.GitAsync(project.Path, "commit", "-q", "-m", "code");
        await AgentTestKit.OpenToSandboxUserAsync(project.Path);
        var options = AgentTestKit.Options(docker);

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, options, project.Path, "search", "validate token signature");

        Assert.True(outcome.State == TaskState.Succeeded, $"{outcome.State}: {outcome.Error}\n{outcome.Output}");
        var lines = outcome.Output!.Split('\n');
        Assert.StartsWith("Ranked results (BM25", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(" 1. src/TokenValidator.cs:1-7", lines[1], StringComparison.Ordinal);
        // The snippet is the chunk's line with the most query terms (the comment and ValidateToken tie; first wins).
        Assert.Equal("    1: // Validates bearer tokens: checks the token signature and the expiry.", lines[2]);
        Assert.Contains(" 2. src/Invoice.cs:1-2", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("Exact matches:", outcome.Output, StringComparison.Ordinal);

        // search gets the project read-only: no per-commit cache is written into .git, and a fresh index gives the same answer.
        Assert.False(Directory.Exists(Path.Combine(project.Path, ".git", "codeur", "search")), "search wrote into the project");
        var (again, _, _) = await AgentTestKit.RunAsync(docker, options, project.Path, "search", "validate token signature");
        Assert.Equal(outcome.Output, again.Output);
        Assert.Equal("", await AgentTestKit.GitAsync(project.Path, "status", "--porcelain", "--untracked-files=no"));
    }

    [Fact]
    public async Task Search_NothingRelevant_SaysNoMatches()
    {
        docker.RequireDocker();
        image.Require();
        using var project = new ProjectDirectory();
        await Write(project, "a.py", "def hello():\n    return 1\n");

        var (outcome, _, _) = await AgentTestKit.RunAsync(docker, AgentTestKit.Options(docker), project.Path, "search", "zebra");

        Assert.Equal(TaskState.Succeeded, outcome.State);
        Assert.Equal("no matches\n", outcome.Output);
    }

    private static Task Write(ProjectDirectory project, string name, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(project.Combine(name))!);
        return File.WriteAllTextAsync(project.Combine(name), text + "\n", TestContext.Current.CancellationToken);
    }
}
