using System.Text;
using Codeur.Runner.Observability;
using Codeur.Runner.Publishing;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Sandbox.Agents;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>
/// Runs a task's command in the Docker sandbox and translates the sandbox's ending into the task's state. A <c>run</c>
/// task on a git project goes through three containers: <c>worktree-add</c> (branch <c>codeur/&lt;id&gt;</c> and its
/// worktree inside <c>.git</c>), the agent in that worktree (with its credentials and, if configured, the egress
/// network), and <c>worktree-finish</c> (leftovers committed, branch/commits/diffstat reported, worktree removed).
/// The finish runs whatever the agent's ending, so a killed agent still leaves a reviewable branch. When the agent
/// succeeded and changed something, the project's <c>publish</c> setting decides whether the branch is pushed and a
/// pull request opened (<see cref="TaskPublisher"/>); a <c>run</c> commented on one of our pull requests continues
/// its branch. With an agent configured, <c>analyze</c> is a review by it (<see cref="ReviewAsync"/>).
/// </summary>
internal sealed class SandboxTaskExecutor(
    ISandboxExecutor sandbox, SandboxCommands commands, SandboxOptions options, AgentCredentials credentials, ITaskPublisher publisher)
    : ITaskExecutor
{
    private static readonly TimeSpan GitStepTimeout = TimeSpan.FromSeconds(120);

    public async Task<TaskOutcome> ExecuteAsync(TaskRecord task, TaskOutput output, CancellationToken cancellationToken)
    {
        // With an agent, analyze is a review by that agent (the built-in report otherwise).
        var review = task.Command == "analyze" && options.ReviewPromptFor(task.Project) is { } prompt && options.Commands.TryGetValue("run", out var agent)
            ? SandboxCommands.Substitute(agent, prompt)
            : null;
        IReadOnlyList<string> argv = review ?? [];
        if (review is null && !commands.TryBuild(task.Command, task.Args, out argv, out var error))
        {
            return new TaskOutcome(TaskState.Rejected, null, null, error);
        }

        var isRun = task.Command == "run";
        try
        {
            if (review is not null)
            {
                return await ReviewAsync(task, review, output, cancellationToken);
            }

            if (!isRun)
            {
                return Outcome(await RunAsync(new SandboxRequest(task.Id, task.ProjectPath, argv, Command: task.Command), output, null, cancellationToken), null);
            }

            return await RunAgentAsync(task, argv, output, cancellationToken);
        }
        catch (ContainerEngineUnavailableException ex)
        {
            throw new ExecutorUnavailableException(ex.Message, ex);
        }
        catch (SandboxImageMissingException ex)
        {
            return new TaskOutcome(TaskState.Rejected, null, null, ex.Message);
        }
    }

    private async Task<TaskOutcome> RunAgentAsync(TaskRecord task, IReadOnlyList<string> argv, TaskOutput output, CancellationToken cancellationToken)
    {
        WorktreeStart? worktree = null;
        FollowUp? followUp = null;
        var notes = "";
        if (options.Worktree)
        {
            try
            {
                followUp = await publisher.FindFollowUpAsync(task, cancellationToken);
            }
            catch (PublishingException ex)
            {
                return new TaskOutcome(TaskState.Failed, null, null, ex.Message);
            }

            var add = await ContainerAsync("worktree-add",
                new SandboxRequest(task.Id, task.ProjectPath, GitWorktree.AddArgv(task.Id, followUp?.Branch), GitStepTimeout, Command: task.Command), cancellationToken);
            if (add.Ending != SandboxEnding.Succeeded)
            {
                return add.Ending is SandboxEnding.Rejected or SandboxEnding.Cancelled
                    ? Outcome(add, null)
                    : new TaskOutcome(TaskState.Failed, null, add.Output, !add.Output.Contains(GitWorktree.Prefix, StringComparison.Ordinal)
                        ? $"the sandbox image's {SandboxCommands.Tool} cannot create git worktrees ({add.Error}); rebuild the image from deploy/sandbox, or set sandbox.worktree: false"
                        : "could not prepare the task's git worktree: " + (GitWorktree.ErrorIn(add.Output) ?? add.Error ?? "unknown error"));
            }

            worktree = GitWorktree.ParseAdd(add.Output);
            switch (worktree.Kind)
            {
                case WorktreeStartKind.Error:
                    return new TaskOutcome(TaskState.Failed, null, add.Output, "could not prepare the task's git worktree: " + worktree.Reason);
                case WorktreeStartKind.NotGit when task.Worktree:
                    // Queued as a worktree run, so other runs of this project may be running: never work in place now.
                    return new TaskOutcome(TaskState.Failed, null, add.Output, "the project stopped being a git repository after the task was queued");
                case WorktreeStartKind.NotGit:
                    notes = "codeur: not a git repository; the agent works in the project directory\n";
                    worktree = null;
                    break;
                default:
                    notes = followUp is null
                        ? $"codeur: working on branch {worktree.Branch} in its own worktree (base {worktree.BaseCommit![..12]})\n"
                        : $"codeur: continuing branch {worktree.Branch} of pull request #{followUp.PullRequest.Number} in its own worktree (at {worktree.BaseCommit![..12]})\n";
                    break;
            }

            output.Append(notes);
        }

        var request = new SandboxRequest(task.Id, task.ProjectPath, argv,
            WorkingDirectory: worktree?.Path, Environment: credentials.Environment, AgentRun: true, Command: task.Command);
        var result = await RunAsync(request, output, credentials.SecretValues, cancellationToken);
        result = result with { Output = notes + result.Output };
        if (worktree is null)
        {
            return Outcome(result, null, credentials.SecretValues);
        }

        // Not tied to the task's token: a cancelled or timed-out agent's work is still committed and reported.
        using var finishTimeout = new CancellationTokenSource(GitStepTimeout);
        var finish = await ContainerAsync("worktree-finish",
            new SandboxRequest(task.Id, task.ProjectPath, GitWorktree.FinishArgv(task.Id, worktree.BaseCommit!, followUp?.Branch), GitStepTimeout, Command: task.Command), finishTimeout.Token);
        var git = finish.Ending == SandboxEnding.Succeeded ? GitWorktree.ParseFinish(finish.Output) : null;
        if (git is null && GitWorktree.ErrorIn(finish.Output) is { } refused)
        {
            // The repository's configuration turned hostile during the task: its work is not reported as done.
            var text = "codeur: the task's branch was not committed or reported: " + refused + "\n";
            output.Append(text);
            var failed = Outcome(result with { Output = result.Output + text }, null, credentials.SecretValues);
            return failed with { State = TaskState.Failed, Error = "the task's git worktree could not be finished: " + refused };
        }

        if (git is null)
        {
            output.Append("codeur: could not report the task's branch: " + (finish.Error ?? "incomplete report") + "\n");
            return Outcome(result, null, credentials.SecretValues);
        }

        git = git with
        {
            Commits = [.. git.Commits.Select(c => c with { Subject = SecretRedactor.Redact(c.Subject, credentials.SecretValues) })],
            Diffstat = SecretRedactor.Redact(git.Diffstat, credentials.SecretValues),
        };
        var summary = GitWorktree.Summary(git);
        output.Append(summary);
        var outcome = Outcome(result with { Output = result.Output + summary }, git, credentials.SecretValues);
        if (outcome.State != TaskState.Succeeded || !git.HasChanges)
        {
            // Only a finished agent's work is proposed; a killed or failed one leaves its branch for a person to look at.
            return outcome;
        }

        using var publishTimeout = new CancellationTokenSource(BranchPusher.Timeout + GitStepTimeout);
        var publication = await publisher.PublishAsync(task, git, followUp, credentials.SecretValues, publishTimeout.Token);
        if (publication is null)
        {
            return outcome;
        }

        var line = publication switch
        {
            { Error: { } error } => "codeur: " + error + $" (the branch stays in the project's repository)\n",
            { PullRequestUrl: { } url, PullRequestCreated: true } => $"codeur: opened pull request {url}\n",
            { PullRequestUrl: { } url } => $"codeur: updated pull request {url}\n",
            _ => $"codeur: pushed {git.Branch} to {publication.Remote}\n",
        };
        output.Append(line);
        return outcome with
        {
            State = publication.Error is null ? outcome.State : TaskState.Failed,
            Output = outcome.Output + line,
            Error = publication.Error ?? outcome.Error,
            Git = git with { Publication = publication },
        };
    }

    /// <summary>
    /// A review: the agent with the review prompt, its credentials and egress, on the project mounted read-only (the
    /// container serves <c>analyze</c>, and only <c>run</c> mounts writable), in the project itself (no worktree: nothing
    /// is written). The agent's standard output, its answer, becomes the task's output and so the reply; the live log
    /// keeps both streams.
    /// </summary>
    private async Task<TaskOutcome> ReviewAsync(TaskRecord task, IReadOnlyList<string> argv, TaskOutput output, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        var request = new SandboxRequest(task.Id, task.ProjectPath, argv, Environment: credentials.Environment, AgentRun: true, Command: task.Command);
        var result = await RunAsync(request, output, credentials.SecretValues, cancellationToken, answer);
        var outcome = Outcome(result, null, credentials.SecretValues);
        return outcome.State == TaskState.Succeeded && answer.ToString().Trim() is { Length: > 0 } review
            ? outcome with { Output = SecretRedactor.Redact(review + "\n", credentials.SecretValues) }
            : outcome;
    }

    private async Task<SandboxResult> RunAsync(
        SandboxRequest request, TaskOutput output, IReadOnlyList<string>? secrets, CancellationToken cancellationToken, StringBuilder? stdout = null)
    {
        // One decoder per container so a multi-byte character split across two chunks is not garbled; one redactor so
        // a secret split across two chunks is still masked.
        var decoder = Encoding.UTF8.GetDecoder();
        var stdoutDecoder = Encoding.UTF8.GetDecoder();
        var redactor = new SecretRedactor(secrets ?? []);
        var result = await ContainerAsync(request.AgentRun ? "agent" : "command", request with
        {
            OnOutput = (kind, bytes, _) =>
            {
                var chars = new char[decoder.GetCharCount(bytes.Span, flush: false)];
                var count = decoder.GetChars(bytes.Span, chars, flush: false);
                output.Append(redactor.Push(new string(chars, 0, count)));
                if (stdout is not null && kind == OutputStreamKind.Stdout)
                {
                    var own = new char[stdoutDecoder.GetCharCount(bytes.Span, flush: false)];
                    stdout.Append(own, 0, stdoutDecoder.GetChars(bytes.Span, own, flush: false));
                }

                return ValueTask.CompletedTask;
            },
        }, cancellationToken);
        var rest = redactor.Flush();
        if (rest.Length > 0)
        {
            output.Append(rest);
        }

        return result;
    }

    /// <summary>One container of the task, in its own span.</summary>
    private async Task<SandboxResult> ContainerAsync(string step, SandboxRequest request, CancellationToken cancellationToken)
    {
        using var span = RunnerTracing.StartContainer(request.TaskId, step);
        var result = await sandbox.RunAsync(request, cancellationToken);
        span?.SetTag("codeur.sandbox.ending", result.Ending.ToString());
        span?.SetTag("codeur.sandbox.exit_code", result.ExitCode);
        if (result.Ending is not SandboxEnding.Succeeded)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Error);
        }

        return result;
    }

    private static TaskOutcome Outcome(SandboxResult result, TaskGitResult? git, IReadOnlyList<string>? secrets = null)
    {
        var state = result.Ending switch
        {
            SandboxEnding.Succeeded => TaskState.Succeeded,
            SandboxEnding.Failed => TaskState.Failed,
            SandboxEnding.TimedOut => TaskState.TimedOut,
            SandboxEnding.OomKilled => TaskState.OomKilled,
            SandboxEnding.OutputLimit => TaskState.OutputLimit,
            SandboxEnding.Cancelled => TaskState.Cancelled,
            SandboxEnding.Interrupted => TaskState.Interrupted,
            _ => TaskState.Rejected,
        };
        var exitCode = result.ExitCode is { } code ? (int?)checked((int)code) : null;
        var text = secrets is { Count: > 0 } ? SecretRedactor.Redact(result.Output, secrets) : result.Output;
        return new TaskOutcome(state, exitCode, text, result.Error ?? Describe(state, exitCode)) { Git = git };
    }

    private static string? Describe(TaskState state, int? exitCode) => state switch
    {
        TaskState.Failed => $"the command exited with code {exitCode}",
        TaskState.TimedOut => "the task ran past its deadline and was killed",
        TaskState.OomKilled => "the task ran out of memory and was killed",
        TaskState.OutputLimit => "the task printed more than the output limit and was killed",
        TaskState.Cancelled => "cancelled on request",
        _ => null,
    };
}
