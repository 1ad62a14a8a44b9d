using Codeur.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Codeur.Hosting;

/// <summary>
/// The live <c>.agent.yaml</c>. A watcher on the file's directory (editors replace files by rename as often as they
/// write in place) and a poll every second (watchers miss symlink swaps and some network file systems) both only
/// schedule a check; the check loads the file once its content has held still for <see cref="Debounce"/>, so a
/// half-written file is not mistaken for a broken one. A file that fails to load or validate is logged with its key
/// and line and the previous settings stay; a good one replaces the snapshot in one reference swap, keeps the start
/// value of every <see cref="RestartOnlySettings">restart-only setting</see> (warning about each that changed) and
/// then tells the listeners. Snapshots are never mutated once published.
/// </summary>
internal sealed partial class AgentConfigMonitor : IOptionsMonitor<AgentConfig>, IHostedService, IDisposable
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly ConfigAudience _audience;
    private readonly ILogger<AgentConfigMonitor> _logger;
    private readonly ITimer _check;
    private readonly ITimer _poll;
    private readonly Lock _gate = new();
    private readonly List<Listener> _listeners = [];
    private AgentConfig _current;
    private CancellationTokenSource _changed = new();
    private FileSystemWatcher? _watcher;
    private string _seen;
    private string? _candidate;
    private bool _stopped;
    private int _pending;

    public AgentConfigMonitor(AgentConfigFile initial, AgentConfig config, TimeProvider time, ILogger<AgentConfigMonitor> logger)
    {
        _path = initial.Path;
        _audience = initial.Audience;
        _seen = initial.Fingerprint;
        _current = config;
        _logger = logger;
        _check = time.CreateTimer(_ => Check(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll = time.CreateTimer(_ => Schedule(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public AgentConfig CurrentValue => Volatile.Read(ref _current);

    public AgentConfig Get(string? name) => CurrentValue;

    public IDisposable OnChange(Action<AgentConfig, string?> listener)
    {
        var registration = new Listener(this, listener);
        lock (_listeners)
        {
            _listeners.Add(registration);
        }

        return registration;
    }

    /// <summary>A token that fires once, after the next swap; per-feature options rebuild from it.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(_path);
        if (directory is not null && Directory.Exists(directory))
        {
            try
            {
                _watcher = new FileSystemWatcher(directory)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    IncludeSubdirectories = false,
                };
                _watcher.Changed += OnFileEvent;
                _watcher.Created += OnFileEvent;
                _watcher.Deleted += OnFileEvent;
                _watcher.Renamed += OnFileEvent;
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // Out of inotify watches, for instance: the poll still sees every change, a second later.
                Log.WatcherUnavailable(_logger, _path, ex.Message);
            }
        }

        _poll.Change(PollInterval, PollInterval);

        // A change between the first load and now is not lost: the check compares with the fingerprint of that load.
        Schedule();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopped = true;
        }

        _watcher?.Dispose();
        _poll.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _check.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Under the gate: a check running now finishes first, and none starts after.
        lock (_gate)
        {
            _stopped = true;
        }

        _watcher?.Dispose();
        _poll.Dispose();
        _check.Dispose();
        _changed.Dispose();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        // The directory may be busy with other files (an audit log beside the config): only ours schedule a check.
        if (string.Equals(e.FullPath, _path, StringComparison.Ordinal)
            || (e is RenamedEventArgs renamed && string.Equals(renamed.OldFullPath, _path, StringComparison.Ordinal)))
        {
            Schedule();
        }
    }

    /// <summary>
    /// Checks the file <see cref="Debounce"/> from now unless a check is already due: later events never push a due
    /// check back, so a stream of writes cannot starve it (the twice-read rule in <see cref="Check"/> is the debounce).
    /// </summary>
    private void Schedule()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _check.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void Check()
    {
        Volatile.Write(ref _pending, 0);
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            AgentConfigFile file;
            try
            {
                file = AgentConfigFile.Read(_path, _audience);
            }
            catch (AgentConfigException)
            {
                // Between the unlink and the rename of an atomic replace: the next event or poll finds the new file.
                return;
            }

            if (file.Fingerprint == _seen)
            {
                _candidate = null;
                return;
            }

            if (file.Fingerprint != _candidate)
            {
                // Still being written, perhaps: load it only once it reads the same twice, a debounce apart.
                _candidate = file.Fingerprint;
                Schedule();
                return;
            }

            _candidate = null;
            _seen = file.Fingerprint;
            Apply(file);
        }
    }

    private void Apply(AgentConfigFile file)
    {
        AgentConfig next;
        try
        {
            next = file.Load();
        }
        catch (AgentConfigException ex)
        {
            Log.ReloadRejected(_logger, _path, string.Join("; ", ex.Errors));
            return;
        }

        var running = CurrentValue;
        foreach (var key in RestartOnlySettings.KeepRunningValues(running, next))
        {
            Log.NeedsRestart(_logger, key, _path);
        }

        Volatile.Write(ref _current, next);
        Log.Reloaded(_logger, _path);

        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        try
        {
            previous.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.ListenerFailed(_logger, ex);
        }
        finally
        {
            previous.Dispose();
        }

        Listener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            try
            {
                listener.Invoke(next);
            }
            catch (Exception ex)
            {
                // A listener's bug must not stop the others from seeing the new settings.
                Log.ListenerFailed(_logger, ex);
            }
        }
    }

    private sealed class Listener(AgentConfigMonitor owner, Action<AgentConfig, string?> action) : IDisposable
    {
        public void Invoke(AgentConfig config) => action(config, Options.DefaultName);

        public void Dispose()
        {
            lock (owner._listeners)
            {
                owner._listeners.Remove(this);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(900, LogLevel.Information, "Configuration reloaded from {Path}")]
        public static partial void Reloaded(ILogger logger, string path);

        [LoggerMessage(901, LogLevel.Error, "Configuration change in {Path} rejected, the previous settings stay in force: {Errors}")]
        public static partial void ReloadRejected(ILogger logger, string path, string errors);

        [LoggerMessage(902, LogLevel.Warning, "Configuration key {Key} changed in {Path}: it needs a restart to take effect; its start value stays in force until then")]
        public static partial void NeedsRestart(ILogger logger, string key, string path);

        [LoggerMessage(903, LogLevel.Warning, "Configuration of {Path} cannot be watched ({Reason}); changes are found by polling every second")]
        public static partial void WatcherUnavailable(ILogger logger, string path, string reason);

        [LoggerMessage(904, LogLevel.Error, "A configuration change listener failed")]
        public static partial void ListenerFailed(ILogger logger, Exception exception);
    }
}
