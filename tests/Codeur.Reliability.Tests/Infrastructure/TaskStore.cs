using Microsoft.Data.Sqlite;

namespace Codeur.Reliability.Tests.Infrastructure;

/// <summary>The runner's SQLite queue read directly, read-only: the ground truth of which tasks exist and how they ended.</summary>
public static class TaskStore
{
    public sealed record Row(string Id, string Platform, string Command, string Args, string Project, string State, string? Error);

    public static async Task<IReadOnlyList<Row>> ReadAsync(string databasePath)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, platform, command, args, project, state, error FROM tasks ORDER BY seq";
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return rows;
    }
}
