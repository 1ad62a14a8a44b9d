using Codeur.Runner.Publishing;
using Codeur.Runner.Queue;

namespace Codeur.IntegrationTests.Sandbox.Agents;

/// <summary>A project that does not publish: the branch stays in the project's repository.</summary>
internal sealed class NoPublishing : ITaskPublisher
{
    public Task<FollowUp?> FindFollowUpAsync(TaskRecord task, CancellationToken cancellationToken) => Task.FromResult<FollowUp?>(null);

    public Task<TaskPublication?> PublishAsync(TaskRecord task, TaskGitResult git, FollowUp? followUp, IReadOnlyList<string> secrets, CancellationToken cancellationToken) =>
        Task.FromResult<TaskPublication?>(null);
}
