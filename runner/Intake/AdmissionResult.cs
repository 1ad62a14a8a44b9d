using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake;

/// <summary>The outcome of <see cref="Admission.Admit"/>: exactly one of the three is set.</summary>
internal sealed record AdmissionResult(Principal? Principal, IntakeError? Error, string? IgnoredReason)
{
    public static AdmissionResult Admitted(Principal principal) => new(principal, null, null);

    public static AdmissionResult Refused(IntakeError error) => new(null, error, null);

    public static AdmissionResult Ignored(string reason) => new(null, null, reason);
}
