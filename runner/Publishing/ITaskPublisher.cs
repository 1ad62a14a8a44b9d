using Codeur.Runner.Queue;

namespace Codeur.Runner.Publishing;

/// <summary>What the executor asks of publishing: which branch a <c>run</c> continues, and where its branch goes after.</summary>
internal interface ITaskPublisher
{
    /// <summary>The pull request branch a <c>run</c> continues, or null for a fresh branch.</summary>
    /// <exception cref="PublishingException">The pull request the command was posted on could not be read.</exception>
    Task<FollowUp?> FindFollowUpAsync(TaskRecord task, CancellationToken cancellationToken);

    /// <summary>Pushes (and proposes) the branch; null when the project does not publish.</summary>
    Task<TaskPublication?> PublishAsync(TaskRecord task, TaskGitResult git, FollowUp? followUp, IReadOnlyList<string> secrets, CancellationToken cancellationToken);
}
