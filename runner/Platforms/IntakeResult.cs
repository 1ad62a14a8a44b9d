using Codeur.Runner.Commands;

namespace Codeur.Runner.Platforms;

/// <summary>What a platform payload means. The HTTP layer maps each case to its answer (see ARCHITECTURE.md section 5).</summary>
internal abstract record IntakeResult
{
    private IntakeResult()
    {
    }

    /// <summary>Valid, but not for us (an edited comment, an outsider, an unmapped event): 200 <c>{"status":"ignored","reason"}</c>.</summary>
    public sealed record Ignored(string Reason) : IntakeResult;

    /// <summary>GitHub <c>ping</c> (200) or Discord PING (<c>{"type":1}</c>).</summary>
    public sealed record Ping : IntakeResult
    {
        public static Ping Instance { get; } = new();
    }

    /// <summary>Slack <c>url_verification</c>: answer with the challenge.</summary>
    public sealed record Challenge(string Value) : IntakeResult;

    /// <summary>A command to authorise, route and queue.</summary>
    public sealed record Command(CommandRequest Request) : IntakeResult;

    /// <summary>The request itself is unusable: 400 malformed, 415 wrong content type.</summary>
    public sealed record Invalid(int StatusCode, string Message) : IntakeResult;

    /// <summary>
    /// A command addressed to us that cannot run (unknown command, bad quoting, too long): answer
    /// <see cref="IntakeError.StatusCode"/>, and on chat platforms show the message in the reply.
    /// </summary>
    public sealed record Rejected(IntakeError Error, string Platform, string Requester, string? ReplyContext) : IntakeResult;

    public static Invalid Malformed(string message) => new(400, message);

    /// <summary>Builds a <see cref="Command"/> from a parsed line, or a <see cref="Rejected"/>/<see cref="Ignored"/> when there is none.</summary>
    public static IntakeResult From(CommandLineResult line, CommandRequest template, string notACommandReason)
    {
        if (line.Line is { } parsed)
        {
            return new Command(template with { Command = parsed.Command, Args = parsed.Args, ProjectHint = parsed.ProjectHint ?? template.ProjectHint });
        }

        return line.Error is { } error
            ? new Rejected(error, template.Platform, template.Requester, template.ReplyContext)
            : new Ignored(notACommandReason);
    }
}
