using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>What a platform payload means. The HTTP layer maps each case to its answer (see ARCHITECTURE.md section 5).</summary>
internal abstract record IntakeResult
{
    private IntakeResult()
    {
    }

    /// <summary>Valid, but not for us (an edited comment, an unmapped event, a bot): 200 <c>{"status":"ignored","reason"}</c>.</summary>
    public sealed record Ignored(string Reason) : IntakeResult;

    /// <summary>GitHub <c>ping</c> (200) or Discord PING (<c>{"type":1}</c>).</summary>
    public sealed record Ping : IntakeResult
    {
        public static Ping Instance { get; } = new();
    }

    /// <summary>Slack <c>url_verification</c>: answer with the challenge.</summary>
    public sealed record Challenge(string Value) : IntakeResult;

    /// <summary>
    /// A message addressed to us: who sent it and from where (<see cref="Template"/>, whose <c>Command</c> is still
    /// empty) and its <see cref="Input"/>, parsed by the pipeline once the caller is admitted.
    /// </summary>
    public sealed record Addressed(CommandRequest Template, CommandInput Input) : IntakeResult;

    /// <summary>The request itself is unusable: 400 malformed, 415 wrong content type.</summary>
    public sealed record Invalid(int StatusCode, string Message) : IntakeResult;

    public static Invalid Malformed(string message) => new(400, message);
}
