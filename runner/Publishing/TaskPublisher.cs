using System.Globalization;
using System.Text.RegularExpressions;
using Codeur.Configuration;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Publishing;

/// <summary>
/// What happens to a <c>run</c> task's branch once the agent is done: per project, nothing, a push, or a push and a
/// pull request. A <c>run</c> commented on one of our open pull requests continues that pull request's branch
/// (<see cref="FindFollowUpAsync"/>), and its push updates the same pull request instead of opening a second one.
/// </summary>
internal sealed partial class TaskPublisher(
    PublishingSettings settings, BranchPusher pusher, GitHubPullRequests pulls, AgentConfig config, ILogger<TaskPublisher> logger)
    : ITaskPublisher
{
    /// <summary>
    /// The branch to continue when the task was commented on an open pull request of ours (head <c>codeur/…</c> in the
    /// project's own repository); null for a fresh branch.
    /// </summary>
    /// <exception cref="PublishingException">The pull request could not be read: better to fail than to open a second one.</exception>
    public async Task<FollowUp?> FindFollowUpAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Platform != "github" || settings.Find(task.Project) is not { Mode: PublishMode.PullRequest } project)
        {
            return null;
        }

        var context = ReplyContext.Parse(task.ReplyContext);
        if (context["is_pull_request"] != "true"
            || !int.TryParse(context["issue_number"], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !string.Equals(context["repository"], project.Repository, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        PullRequestInfo pull;
        try
        {
            pull = await pulls.GetAsync(project, number, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new PublishingException("could not read the pull request this command was posted on: " + ex.Message);
        }

        if (pull.State != "open" || !TaskBranch().IsMatch(pull.HeadRef)
            || !string.Equals(pull.HeadRepository, project.Repository, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        Log.FollowUp(logger, task.Id, pull.Number, pull.HeadRef);
        return new FollowUp(pull.HeadRef, pull);
    }

    /// <summary>Pushes the branch and opens (or, for a follow-up, updates) the pull request; null when the project does not publish.</summary>
    public async Task<TaskPublication?> PublishAsync(
        TaskRecord task, TaskGitResult git, FollowUp? followUp, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(git);
        if (settings.Find(task.Project) is not { } project || !git.HasChanges)
        {
            return null;
        }

        var push = await pusher.PushAsync(task.Id, task.ProjectPath, project, git.Branch, git.HeadCommit, cancellationToken);
        if (!push.Pushed)
        {
            Log.PushFailed(logger, task.Id, project.RemoteText, push.Error ?? "");
            return new TaskPublication(project.ModeName, project.RemoteText, false, followUp?.PullRequest.Number, followUp?.PullRequest.HtmlUrl,
                Error: $"the remote {project.RemoteText} refused the push of {git.Branch}: {push.Error}");
        }

        Log.Pushed(logger, task.Id, git.Branch, project.RemoteText);
        if (project.Mode == PublishMode.Branch)
        {
            return new TaskPublication(project.ModeName, project.RemoteText, true);
        }

        if (followUp is not null)
        {
            return new TaskPublication(project.ModeName, project.RemoteText, true, followUp.PullRequest.Number, followUp.PullRequest.HtmlUrl);
        }

        var secretsAndTokens = secrets.Concat(settings.Tokens).ToArray();
        var request = new PullRequestRequest(
            SecretRedactor.Redact(PullRequestText.Title(task), secretsAndTokens),
            git.Branch,
            project.BaseBranch,
            SecretRedactor.Redact(PullRequestText.Body(task, git, LogUrl(task.Id)), secretsAndTokens),
            project.Draft);
        try
        {
            var pull = await pulls.CreateAsync(project, request, cancellationToken);
            Log.Opened(logger, task.Id, pull.Number, pull.HtmlUrl);
            return new TaskPublication(project.ModeName, project.RemoteText, true, pull.Number, pull.HtmlUrl, PullRequestCreated: true);
        }
        catch (Exception ex) when (ex is PublishingException or HttpRequestException or TaskCanceledException)
        {
            Log.OpenFailed(logger, task.Id, ex.Message);
            return new TaskPublication(project.ModeName, project.RemoteText, true,
                Error: $"{git.Branch} was pushed to {project.RemoteText}, but the pull request could not be opened: {ex.Message}");
        }
    }

    private string LogUrl(string taskId) => (config.Webhook.Replies.TaskApiUrl?.TrimEnd('/') ?? "") + $"/api/tasks/{taskId}/logs";

    [GeneratedRegex("^codeur/[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex TaskBranch();

    private static partial class Log
    {
        [LoggerMessage(EventId = 3600, Level = LogLevel.Information, Message = "Task {TaskId}: pushed {Branch} to {Remote}")]
        public static partial void Pushed(ILogger logger, string taskId, string branch, string remote);

        [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "Task {TaskId}: push to {Remote} failed: {Reason}")]
        public static partial void PushFailed(ILogger logger, string taskId, string remote, string reason);

        [LoggerMessage(EventId = 3602, Level = LogLevel.Information, Message = "Task {TaskId}: opened pull request #{Number} {Url}")]
        public static partial void Opened(ILogger logger, string taskId, int number, string url);

        [LoggerMessage(EventId = 3603, Level = LogLevel.Warning, Message = "Task {TaskId}: opening the pull request failed: {Reason}")]
        public static partial void OpenFailed(ILogger logger, string taskId, string reason);

        [LoggerMessage(EventId = 3604, Level = LogLevel.Information, Message = "Task {TaskId}: follow-up on pull request #{Number}, continuing {Branch}")]
        public static partial void FollowUp(ILogger logger, string taskId, int number, string branch);
    }
}
