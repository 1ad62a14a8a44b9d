using System.Buffers;
using System.Collections.Frozen;
using Codeur.Configuration;
using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake;

/// <summary>
/// The pipeline's first step: may this caller, speaking for this requester from this source, use the agent at all?
/// It runs before the command is parsed, so a refused caller learns nothing about commands or projects.
/// </summary>
internal static class Admission
{
    private static readonly SearchValues<char> NotInUserIds = SearchValues.Create(" \t\r\n:");

    /// <summary>The admitted <see cref="Principal"/>, or why not (403, or "ignored" for a GitHub author association).</summary>
    public static AdmissionResult Admit(CallerIdentity caller, CommandRequest message, IntakeRules rules)
    {
        var platform = message.Platform;
        var settings = rules.Settings;
        Principal principal;
        if (caller.IsSigned)
        {
            // Each route verifies its own platform's signature; another platform's on this route is not ours to read.
            if (!string.Equals(caller.Platform, platform, StringComparison.Ordinal) || message.IsRelay)
            {
                return AdmissionResult.Refused(IntakeError.Forbidden("requester not permitted"));
            }

            principal = Trusted(message, token: null, caller);
        }
        else
        {
            if (caller.TokenName is not { } token || !caller.Has(platform == "api" ? TokenScopes.Api : TokenScopes.Relay(platform)))
            {
                return AdmissionResult.Refused(IntakeError.Forbidden("this token may not use this route"));
            }

            // The payload named no user: the token itself is the requester (the CI example).
            var claimed = platform == "api" || message.Requester == caller.Identity ? null : message.Requester;
            if (claimed is not null && (claimed.Length > 128 || claimed.AsSpan().ContainsAny(NotInUserIds)))
            {
                return AdmissionResult.Refused(IntakeError.BadRequest("the relayed user must be an id or login without spaces or ':'"));
            }

            principal = claimed is not null && caller.Has("trust:" + platform)
                ? Trusted(message, token, caller)
                : new Principal
                {
                    Platform = platform,
                    Token = token,
                    Scopes = caller.Scopes,
                    ClaimedUser = claimed,
                    Repository = message.Repository,
                    Team = platform == "slack" ? message.Workspace : null,
                    Guild = platform == "discord" ? message.Workspace : null,
                    Channel = message.Channel,
                };
        }

        if (principal.Trusted)
        {
            // A trusted relay that names no workspace speaks for the one it was set up in; a signed request always names it.
            if ((caller.IsSigned || message.Workspace is not null) && !rules.AllowsWorkspace(platform, message.Workspace))
            {
                return AdmissionResult.Refused(IntakeError.Forbidden("requester not permitted"));
            }

            // Real GitHub payloads always carry the association; a relayed event without one was vouched for by the token.
            if (platform == "github" && principal.Association is { } association && !settings.GitHubAllowedAssociations.Contains(association))
            {
                return AdmissionResult.Ignored($"author association {Short(principal.Association)} may not trigger commands");
            }
        }

        var (list, who) = principal.Trusted ? (platform, principal.User!) : ("api", CallerIdentity.TokenPrefix + principal.Token);
        if (settings.Requesters.TryGetValue(list, out var allowed) && !allowed.Contains(who))
        {
            return AdmissionResult.Refused(IntakeError.Forbidden("requester not permitted"));
        }

        return AdmissionResult.Admitted(principal with { IsAdmin = principal.Trusted && rules.IsAdmin(platform, principal.User!) });
    }

    private static Principal Trusted(CommandRequest message, string? token, CallerIdentity caller) => new()
    {
        Platform = message.Platform,
        Token = token,
        Scopes = token is null ? FrozenSet<string>.Empty : caller.Scopes,
        User = message.Requester,
        Association = message.Association,
        Repository = message.Repository,
        Team = message.Platform == "slack" ? message.Workspace : null,
        Guild = message.Platform == "discord" ? message.Workspace : null,
        Channel = message.Channel,
    };

    private static string Short(string? value) => value is null ? "(none)" : value.Length > 40 ? value[..40] + "…" : value;
}
