using Codeur.Runner.Queue;

namespace Codeur.Runner.Intake;

/// <summary>
/// Who a stored task belongs to, read back from its requester (see <see cref="Principal.Requester"/>): the token
/// that created it and the platform user the platform vouched for. A user an untrusted relay only claimed owns nothing.
/// </summary>
internal readonly record struct TaskOwner(string? Token, string? User)
{
    public const string Via = " via ";

    public static TaskOwner Of(TaskRecord task)
    {
        var requester = task.Requester;
        var via = requester.LastIndexOf(Via + CallerIdentity.TokenPrefix, StringComparison.Ordinal);
        if (via > 0)
        {
            return new TaskOwner(requester[(via + Via.Length + CallerIdentity.TokenPrefix.Length)..], requester[..via]);
        }

        if (requester.StartsWith(CallerIdentity.TokenPrefix, StringComparison.Ordinal))
        {
            var name = requester[CallerIdentity.TokenPrefix.Length..];
            var space = name.IndexOf(' ', StringComparison.Ordinal);
            return new TaskOwner(space < 0 ? name : name[..space], null);
        }

        return task.Platform == "api" ? default : new TaskOwner(null, requester);
    }
}
