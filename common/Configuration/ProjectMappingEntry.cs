namespace Codeur.Configuration;

/// <summary>One <c>project_mapping</c> entry: a case-insensitive .NET regular expression and the project directory.</summary>
public sealed class ProjectMappingEntry
{
    public string Pattern { get; set; } = "";
    public string Path { get; set; } = "";

    /// <summary>Optional name used by <c>--project NAME</c> hints; defaults to the directory's name.</summary>
    public string? Name { get; set; }

    /// <summary>Push and pull requests for <c>run</c> tasks on this project (<c>publish</c>).</summary>
    public PublishSection Publish { get; set; } = new();
}
