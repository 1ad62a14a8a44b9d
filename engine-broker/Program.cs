using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Hosting;

// The engine broker: the only process that talks to the container engine's socket in compose and Helm. It admits
// the Engine API calls the runner makes, on the runner's containers only, and forwards create bodies it wrote itself.
try
{
    var app = BrokerApplication.Build(args, BrokerOptions.FromEnvironment(Environment.GetEnvironmentVariable));
    app.Run();
    return 0;
}
catch (BrokerConfigException ex)
{
    Console.Error.WriteLine($"engine-broker: configuration error: {ex.Message}");
    return 2;
}
