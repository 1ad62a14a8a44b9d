using System.Text.Json;

// The strings below are the Engine API's wire names; that some equal a property's name here is a coincidence.
#pragma warning disable CA1507

namespace Codeur.EngineBroker.Create;

/// <summary>
/// A create request the broker admitted, holding only the values a client may choose. <see cref="WriteTo"/> writes
/// the body the engine receives: every isolating setting spelt out by the broker, never copied from the client.
/// </summary>
internal sealed record SandboxContainer
{
    public required string Image { get; init; }
    public required string User { get; init; }
    public required bool AttachStdout { get; init; }
    public required bool AttachStderr { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public required IReadOnlyList<string> Entrypoint { get; init; }
    public required IReadOnlyList<string> Cmd { get; init; }
    public required string WorkingDir { get; init; }
    public required bool NetworkDisabled { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyDictionary<string, string> LogOptions { get; init; }
    public required string NetworkMode { get; init; }
    public required string TmpfsOptions { get; init; }
    public required long Memory { get; init; }
    public required long NanoCpus { get; init; }
    public required long PidsLimit { get; init; }
    public required IReadOnlyList<(string Name, long Soft, long Hard)> Ulimits { get; init; }
    public required string MountSource { get; init; }
    public required bool MountReadOnly { get; init; }
    public required bool Init { get; init; }
    public string? Runtime { get; init; }

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("Hostname", "");
        json.WriteString("User", User);
        json.WriteBoolean("AttachStdin", false);
        json.WriteBoolean("AttachStdout", AttachStdout);
        json.WriteBoolean("AttachStderr", AttachStderr);
        json.WriteBoolean("Tty", false);
        json.WriteBoolean("OpenStdin", false);
        json.WriteBoolean("StdinOnce", false);
        WriteStrings(json, "Env", Env);
        WriteStrings(json, "Cmd", Cmd);
        json.WriteString("Image", Image);
        json.WriteString("WorkingDir", WorkingDir);
        WriteStrings(json, "Entrypoint", Entrypoint);
        json.WriteBoolean("NetworkDisabled", NetworkDisabled);
        WriteMap(json, "Labels", Labels);

        json.WriteStartObject("HostConfig");
        WriteStrings(json, "Binds", []);
        json.WriteStartObject("LogConfig");
        json.WriteString("Type", "json-file");
        WriteMap(json, "Config", LogOptions);
        json.WriteEndObject();
        json.WriteString("NetworkMode", NetworkMode);
        json.WriteStartObject("RestartPolicy");
        json.WriteString("Name", "no");
        json.WriteNumber("MaximumRetryCount", 0);
        json.WriteEndObject();
        json.WriteBoolean("AutoRemove", false);
        WriteStrings(json, "CapAdd", []);
        WriteStrings(json, "CapDrop", ["ALL"]);
        json.WriteString("CgroupnsMode", "private");
        json.WriteString("IpcMode", "private");
        json.WriteString("PidMode", "");
        json.WriteBoolean("Privileged", false);
        json.WriteBoolean("PublishAllPorts", false);
        json.WriteBoolean("ReadonlyRootfs", true);
        WriteStrings(json, "SecurityOpt", ["no-new-privileges"]);
        json.WriteStartObject("Tmpfs");
        json.WriteString("/tmp", TmpfsOptions);
        json.WriteEndObject();
        json.WriteString("UTSMode", "");
        json.WriteString("UsernsMode", "");
        json.WriteString("CgroupParent", "");
        json.WriteNumber("Memory", Memory);
        json.WriteNumber("MemorySwap", Memory);
        json.WriteNumber("NanoCpus", NanoCpus);
        json.WriteNumber("PidsLimit", PidsLimit);
        json.WriteStartArray("Ulimits");
        foreach (var (name, soft, hard) in Ulimits)
        {
            json.WriteStartObject();
            json.WriteString("Name", name);
            json.WriteNumber("Soft", soft);
            json.WriteNumber("Hard", hard);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteStrings(json, "Devices", []);
        json.WriteStartArray("Mounts");
        json.WriteStartObject();
        json.WriteString("Type", "bind");
        json.WriteString("Source", MountSource);
        json.WriteString("Target", CreateBodyValidator.WorkspacePath);
        json.WriteBoolean("ReadOnly", MountReadOnly);
        json.WriteStartObject("BindOptions");
        json.WriteString("Propagation", "rprivate");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteBoolean("Init", Init);
        if (Runtime is not null)
        {
            json.WriteString("Runtime", Runtime);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, string> map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }
}
