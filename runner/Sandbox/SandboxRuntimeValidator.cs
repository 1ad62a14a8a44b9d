namespace Codeur.Runner.Sandbox;

/// <summary>
/// Runs <see cref="SandboxRuntimeCheck"/> once at start, before any worker takes a task: a fatal finding stops the host
/// with a message naming the key. Nothing to check when no runtime is configured. An engine that does not answer yet
/// is not fatal here (<c>/health</c> reports it, and the spec verifier still refuses a container on the wrong runtime).
/// </summary>
internal sealed partial class SandboxRuntimeValidator(IEngineInfo engine, SandboxOptions options, ILogger<SandboxRuntimeValidator> logger) : IHostedService
{
    private static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Runtime is null && options.Runtimes.Count == 0)
        {
            return;
        }

        EngineRuntimes runtimes;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(InfoTimeout);
            runtimes = await engine.GetRuntimesAsync(timeout.Token);
        }
        catch (ContainerEngineUnavailableException ex)
        {
            Log.Unchecked(logger, ex.Message);
            return;
        }

        var findings = SandboxRuntimeCheck.Check(options, runtimes);
        foreach (var warning in findings.Where(f => !f.Fatal))
        {
            Log.Warning(logger, warning.Key, warning.Message);
        }

        var fatal = findings.Where(f => f.Fatal).ToArray();
        if (fatal.Length > 0)
        {
            throw new SandboxRuntimeException("invalid sandbox runtime configuration:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", fatal.Select(f => f.ToString())));
        }

        foreach (var command in Codeur.Configuration.AgentConfigValidator.SandboxedCommands)
        {
            Log.Using(logger, command, options.RuntimeFor(command) ?? runtimes.DefaultRuntime);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3300, Level = LogLevel.Warning, Message = "Sandbox runtimes not checked at start, the engine did not answer: {Reason}")]
        public static partial void Unchecked(ILogger logger, string reason);

        [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "{Key}: {Problem}")]
        public static partial void Warning(ILogger logger, string key, string problem);

        [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Sandbox containers of '{Command}' run under runtime '{Runtime}'")]
        public static partial void Using(ILogger logger, string command, string runtime);
    }
}
