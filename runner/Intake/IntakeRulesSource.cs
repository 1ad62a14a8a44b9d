using Codeur.Configuration;
using Microsoft.Extensions.Options;

namespace Codeur.Runner.Intake;

/// <summary>
/// The current <see cref="IntakeRules"/>: built from <see cref="IOptionsMonitor{AgentConfig}"/> at start and rebuilt
/// on every change, then swapped in whole (aspnetcore's HostFiltering <c>MiddlewareConfigurationManager</c> does the
/// same). Tasks already queued keep the project and path they were admitted with; a file the loader refuses never
/// reaches here, so the previous rules stay.
/// </summary>
internal sealed partial class IntakeRulesSource : IDisposable
{
    private readonly ILogger<IntakeRulesSource> _logger;
    private readonly IDisposable? _subscription;
    private IntakeRules _current;

    public IntakeRulesSource(IOptionsMonitor<AgentConfig> config, ILogger<IntakeRulesSource> logger)
    {
        _logger = logger;
        _current = IntakeRules.From(config.CurrentValue);
        _subscription = config.OnChange(Reload);
    }

    public IntakeRules Current => Volatile.Read(ref _current);

    private void Reload(AgentConfig config)
    {
        try
        {
            var rules = IntakeRules.From(config);
            Volatile.Write(ref _current, rules);
            Log.Reloaded(_logger, rules.Projects.Count);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or AgentConfigException)
        {
            Log.ReloadFailed(_logger, ex);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(320, LogLevel.Information, "Intake rules reloaded: {Projects} projects")]
        public static partial void Reloaded(ILogger logger, int projects);

        [LoggerMessage(321, LogLevel.Error, "Intake rules not reloaded; the previous ones stay")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);
    }
}
