using System.Text;
using Codeur.Runner.Queue;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Workers;

/// <summary>Runs a task's command in the Docker sandbox and translates the sandbox's ending into the task's state.</summary>
internal sealed class SandboxTaskExecutor(ISandboxExecutor sandbox, SandboxCommands commands) : ITaskExecutor
{
    public async Task<TaskOutcome> ExecuteAsync(TaskRecord task, TaskOutput output, CancellationToken cancellationToken)
    {
        if (!commands.TryBuild(task.Command, task.Args, out var argv, out var error))
        {
            return new TaskOutcome(TaskState.Rejected, null, null, error);
        }

        // One decoder per task so a multi-byte character split across two chunks is not garbled.
        var decoder = Encoding.UTF8.GetDecoder();
        var request = new SandboxRequest(task.Id, task.ProjectPath, argv, OnOutput: (_, bytes, _) =>
        {
            var chars = new char[decoder.GetCharCount(bytes.Span, flush: false)];
            var count = decoder.GetChars(bytes.Span, chars, flush: false);
            output.Append(new string(chars, 0, count));
            return ValueTask.CompletedTask;
        });

        SandboxResult result;
        try
        {
            result = await sandbox.RunAsync(request, cancellationToken);
        }
        catch (ContainerEngineUnavailableException ex)
        {
            throw new ExecutorUnavailableException(ex.Message, ex);
        }
        catch (SandboxImageMissingException ex)
        {
            return new TaskOutcome(TaskState.Rejected, null, null, ex.Message);
        }

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
        return new TaskOutcome(state, exitCode, result.Output, result.Error ?? Describe(state, exitCode));
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
