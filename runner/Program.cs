using Codeur.Hosting;
using Codeur.Runner.Hosting;
using Codeur.Runner.Sandbox;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);
builder.AddJsonLogging();
var config = builder.AddAgentConfig();
builder.ConfigureRunnerKestrel(config);
builder.Services.AddSandbox(config);

var app = builder.Build();
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync });

app.Run();

public partial class Program;
