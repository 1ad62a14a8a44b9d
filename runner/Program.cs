using Codeur.Hosting;
using Codeur.Runner.Hosting;
using Codeur.Runner.Sandbox;

var builder = WebApplication.CreateBuilder(args);
builder.AddJsonLogging();
var config = builder.AddAgentConfig();
builder.ConfigureRunnerKestrel(config);
builder.Services.AddSandbox(config);

var app = builder.Build();
app.MapHealthChecks("/health");

app.Run();

public partial class Program;
