namespace Codeur.Runner.Intake.Commands;

/// <summary>Why a request cannot become a task: the HTTP status to answer with and a message safe to show the requester.</summary>
internal sealed record IntakeError(int StatusCode, string Message)
{
    public static IntakeError BadRequest(string message) => new(400, message);

    public static IntakeError Forbidden(string message) => new(403, message);

    public static IntakeError UnsupportedMediaType(string message) => new(415, message);

    public static IntakeError Unprocessable(string message) => new(422, message);
}
