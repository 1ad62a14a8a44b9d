using Codeur.Audit;

namespace Codeur.Common.Tests.Audit;

public sealed class AppendOnlyFileTests
{
    [Fact]
    public async Task Write_TwoWritersOnOneFile_EveryLineLandsWhole()
    {
        Assert.SkipUnless(AppendOnlyFile.IsSupported, "O_APPEND writer is Linux-only");
        var path = Path.Combine(Directory.CreateTempSubdirectory("codeur-append-").FullName, "audit.log");

        // Two descriptors, as the gateway and the runner each hold one. With FileMode.Append streams, each writes at
        // its own remembered offset and they overwrite each other's lines.
        await using (var first = new AppendOnlyFile(path))
        await using (var second = new AppendOnlyFile(path))
        {
            for (var i = 0; i < 500; i++)
            {
                await first.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"writer\":1,\"n\":{i}}}\n"), TestContext.Current.CancellationToken);
                await second.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"writer\":2,\"n\":{i},\"pad\":\"{new string('x', i % 40)}\"}}\n"), TestContext.Current.CancellationToken);
            }
        }

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(1000, lines.Length);
        Assert.All(lines, line => System.Text.Json.JsonDocument.Parse(line).Dispose());
        Assert.Equal(500, lines.Count(l => l.StartsWith("{\"writer\":1", StringComparison.Ordinal)));
    }
}
