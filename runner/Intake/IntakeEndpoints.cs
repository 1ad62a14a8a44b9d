namespace Codeur.Runner.Intake;

/// <summary><c>POST /webhook/{github,slack,discord}</c> and <c>POST /api/tasks</c>, handled by <see cref="IntakeHandler"/>.</summary>
internal static class IntakeEndpoints
{
    public static IEndpointRouteBuilder MapIntake(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/webhook/{platform:regex(^(github|slack|discord)$)}", (HttpContext context, string platform, IntakeHandler handler) => handler.AcceptAsync(context, platform));
        endpoints.MapPost("/api/tasks", (HttpContext context, IntakeHandler handler) => handler.AcceptAsync(context, "api"));
        return endpoints;
    }
}
