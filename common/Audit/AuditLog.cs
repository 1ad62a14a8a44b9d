using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Codeur.Configuration;
using Microsoft.Extensions.Hosting;

namespace Codeur.Audit;

/// <summary>
/// The JSON-lines audit trail: one object per line, written off the request path by a single writer.
/// The queue is bounded so a stuck sink cannot exhaust memory; what it cannot take is counted, not hidden.
/// </summary>
public sealed class AuditLog : BackgroundService
{
    private readonly Channel<AuditRecord> _channel = Channel.CreateBounded<AuditRecord>(
        new BoundedChannelOptions(65_536) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly TimeProvider _time;
    private readonly string? _path;
    private readonly Counter<long> _dropped;
    private readonly ArrayBufferWriter<byte> _line = new(64 * 1024);

    /// <summary>Bytes per write: a file takes a large batch; a pipe only PIPE_BUF (4096) without interleaving.</summary>
    private readonly int _maxWrite;

    public AuditLog(AgentConfig config, TimeProvider time, IMeterFactory meters)
    {
        _time = time;
        _path = string.IsNullOrWhiteSpace(config.Webhook.Audit.Path) ? null : config.Webhook.Audit.Path;
        _maxWrite = _path is null ? 4096 : 64 * 1024;
        _dropped = meters.Create("Codeur.Audit").CreateCounter<long>("audit_records_dropped", description: "Audit records dropped because the sink fell behind.");
    }

    public void Write(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);

        // The span current at the event (a request, a task, a reply delivery) ties the line to its trace.
        if (record.TraceId is null && Activity.Current is { IdFormat: ActivityIdFormat.W3C } span)
        {
            record = record with { TraceId = span.TraceId.ToHexString(), SpanId = span.SpanId.ToHexString() };
        }

        if (!_channel.Writer.TryWrite(record))
        {
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var sink = OpenSink();
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(sink);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Whatever was queued when the host stopped still gets written.
        await DrainAsync(sink);
    }

    /// <summary>
    /// Writes what has gathered. Never cancelled: records taken from the channel are written before anything else
    /// happens (a write cancelled by the host's stop would drop lines already taken; the writes are local and short).
    /// </summary>
    private async Task DrainAsync(Stream sink)
    {
        // Whatever has gathered goes out in as few writes as possible (one system call for many lines under load),
        // each write made only of complete lines: O_APPEND puts a whole write at the end of the file, and on a pipe
        // (standard output shared with the console logger) a write of at most PIPE_BUF bytes is never interleaved.
        _line.ResetWrittenCount();
        while (_channel.Reader.TryRead(out var record))
        {
            var start = _line.WrittenCount;
            WriteLine(_line, record);
            if (_line.WrittenCount > _maxWrite && start > 0)
            {
                await sink.WriteAsync(_line.WrittenMemory[..start], CancellationToken.None);
                var next = _line.WrittenMemory[start..].ToArray();
                _line.ResetWrittenCount();
                _line.Write(next);
            }
        }

        if (_line.WrittenCount > 0)
        {
            await sink.WriteAsync(_line.WrittenMemory, CancellationToken.None);
            _line.ResetWrittenCount();
        }

        await sink.FlushAsync(CancellationToken.None);
    }

    private Stream OpenSink()
    {
        if (_path is null)
        {
            return Console.OpenStandardOutput();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        if (AppendOnlyFile.IsSupported)
        {
            return new AppendOnlyFile(_path);
        }

        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
    }

    private void WriteLine(ArrayBufferWriter<byte> line, AuditRecord record)
    {
        using (var json = new Utf8JsonWriter(line))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", _time.GetUtcNow());
            json.WriteString("level", record.Level);
            json.WriteString("event", record.Event);
            WriteOptional(json, "platform", record.Platform);
            WriteOptional(json, "user", record.User);
            WriteOptional(json, "task", record.Task);
            WriteOptional(json, "project", record.Project);
            WriteOptional(json, "task_id", record.TaskId);
            if (record.DurationMs is { } duration)
            {
                json.WriteNumber("duration_ms", Math.Round(duration, 3));
            }

            if (record.Status is { } status)
            {
                json.WriteNumber("status", status);
            }

            WriteOptional(json, "reason", record.Reason);
            WriteOptional(json, "remote_address", record.RemoteAddress);
            WriteOptional(json, "method", record.Method);
            WriteOptional(json, "path", record.Path);
            WriteOptional(json, "trace_id", record.TraceId);
            WriteOptional(json, "spool_id", record.SpoolId);
            WriteOptional(json, "span_id", record.SpanId);
            json.WriteEndObject();
        }

        line.Write("\n"u8);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
