using System.Globalization;
using Codeur.Http;
using Codeur.Runner.Intake;
using Codeur.Runner.Queue;

namespace Codeur.Runner.Tasks;

/// <summary>
/// <c>GET /api/tasks</c>: the tasks the caller may read (<see cref="TaskAccess.CanRead"/>: its own, or all with
/// <c>tasks:read</c>), newest first, without output, filtered by <c>state</c> (comma-separated names), <c>project</c>
/// (exact) and <c>requester</c> (contains, ASCII case ignored); <c>limit</c> (1–200, default 50) and <c>before</c> (the
/// <c>next</c> of the previous page) page through them. Any other parameter is a 400: a typo must not widen the answer.
/// </summary>
internal static class TaskListEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    private const int MaxFilterLength = 200;

    // Store calls per request at most: an owner with few tasks among many gets a partial page and a cursor, not a scan of the whole store.
    private const int MaxStoreCalls = 10;

    private static readonly HashSet<string> Parameters = new(StringComparer.Ordinal) { "state", "project", "requester", "limit", "before" };

    public static async Task HandleAsync(HttpContext context, ITaskQueue queue, TimeProvider time)
    {
        if (!TryParse(context.Request.Query, out var query, out var error))
        {
            await JsonError.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var caller = Principal.FromApi(CallerIdentity.From(context));
        var tasks = new List<TaskRecord>(query.Limit);
        long? next = query.Before;
        for (var call = 0; call < MaxStoreCalls; call++)
        {
            var page = await queue.ListAsync(query with { Before = next }, context.RequestAborted);
            next = page.Next;
            foreach (var task in page.Tasks)
            {
                if (!TaskAccess.CanRead(caller, task))
                {
                    continue;
                }

                tasks.Add(task);
                if (tasks.Count == query.Limit)
                {
                    next = task.Sequence;
                    break;
                }
            }

            if (tasks.Count == query.Limit || next is null)
            {
                break;
            }
        }

        // A full page whose last task is the store's last is reported with a cursor; the next page is then empty. Cheaper than a look-ahead.
        var now = time.GetUtcNow();
        await context.Response.WriteAsJsonAsync(new
        {
            tasks = tasks.Select(t => TaskView.From(t, now, includeOutput: false)),
            next = next?.ToString(CultureInfo.InvariantCulture),
        }, RunnerJson.Options, context.RequestAborted);
    }

    internal static bool TryParse(IQueryCollection parameters, out TaskQuery query, out string error)
    {
        query = new TaskQuery(Limit: DefaultLimit);
        error = "";
        foreach (var (key, values) in parameters)
        {
            if (!Parameters.Contains(key))
            {
                error = $"unknown query parameter '{Shorten(key)}'; expected state, project, requester, limit or before";
                return false;
            }

            if (key != "state" && values.Count > 1)
            {
                error = $"query parameter '{key}' given more than once";
                return false;
            }
        }

        if (parameters.TryGetValue("state", out var stateValues))
        {
            var states = new HashSet<TaskState>();
            foreach (var name in stateValues.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!TryParseState(name, out var state))
                {
                    error = $"unknown state '{Shorten(name)}'; expected queued, running, succeeded, failed, timed_out, oom_killed, output_limit, cancelled, interrupted or rejected";
                    return false;
                }

                states.Add(state);
            }

            query = query with { States = states.Count == 0 ? null : states };
        }

        if (!TryText(parameters, "project", out var project, out error) || !TryText(parameters, "requester", out var requester, out error))
        {
            return false;
        }

        query = query with { Project = project, Requester = requester };
        if (parameters.TryGetValue("limit", out var limitValue))
        {
            if (!int.TryParse(limitValue.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > MaxLimit)
            {
                error = $"limit must be a whole number from 1 to {MaxLimit}";
                return false;
            }

            query = query with { Limit = limit };
        }

        if (parameters.TryGetValue("before", out var beforeValue))
        {
            if (!long.TryParse(beforeValue.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var before) || before < 1)
            {
                error = "before must be the 'next' value of a previous page";
                return false;
            }

            query = query with { Before = before };
        }

        return true;
    }

    private static bool TryText(IQueryCollection parameters, string key, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!parameters.TryGetValue(key, out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            return true;
        }

        var text = values.ToString();
        if (text.Length > MaxFilterLength || text.Any(char.IsControl))
        {
            error = $"{key} must be at most {MaxFilterLength} characters without control characters";
            return false;
        }

        value = text;
        return true;
    }

    private static bool TryParseState(string name, out TaskState state)
    {
        foreach (var candidate in Enum.GetValues<TaskState>())
        {
            if (string.Equals(candidate.ToName(), name, StringComparison.Ordinal))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
