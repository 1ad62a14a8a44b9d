namespace Codeur.Runner.Storage;

/// <summary>The output store failed: unreachable, refused the request, or the object is not there (<see cref="Missing"/>).</summary>
internal sealed class OutputStoreException(string message, bool missing = false, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The store answered, but has no object under the key (deleted behind our back, or a wrong bucket).</summary>
    public bool Missing { get; } = missing;
}
