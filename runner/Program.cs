using Codeur.Configuration;
using Codeur.Hosting;
using Codeur.Http;
using Codeur.Runner.Hosting;
using Codeur.Runner.Intake;
using Codeur.Runner.Observability;
using Codeur.Runner.PlatformSetup;
using Codeur.Runner.Publishing;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Retention;
using Codeur.Runner.Sandbox;
using Codeur.Runner.Storage;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;

// `Codeur.Runner discord register ...` sets up a platform and exits (docs/PLATFORMS.md); anything else runs the service.
if (PlatformSetupCommand.Handles(args))
{
    return await PlatformSetupCommand.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, CancellationToken.None);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddJsonLogging();
var config = builder.AddAgentConfig(ConfigAudience.Runner);

builder.ConfigureRunnerKestrel(config);
builder.Services.AddRunnerObservability();
builder.Services.AddTaskQueue(config);
builder.Services.AddOutputStorage(config);
builder.Services.AddSandbox(config);
builder.Services.AddPublishing(config);
builder.Services.AddIntake();
// Replies before workers: hosted services stop in reverse, so replies of tasks ending during the drain still go out.
builder.Services.AddReplies(config);
builder.Services.AddWorkers(config);
builder.Services.AddRetention();

var app = builder.Build();

// Nothing but health and metrics answers a caller that did not come through the gateway.
app.UseMiddleware<InternalCredentialMiddleware>();

app.MapRunnerObservability();
app.MapIntake();
app.MapTaskApi();
app.MapFallback(context => JsonError.WriteAsync(context, StatusCodes.Status404NotFound, "no such route"));

app.Run();
return 0;

public partial class Program;
