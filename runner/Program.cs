using Codeur.Hosting;
using Codeur.Runner.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddJsonLogging();
var config = builder.AddAgentConfig();
builder.ConfigureRunnerKestrel(config);

var app = builder.Build();
app.MapGet("/health", () => Results.Json(new { status = "healthy" }));

app.Run();

public partial class Program;
