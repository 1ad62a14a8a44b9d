namespace Codeur.Runner.Storage;

/// <summary>
/// Object storage for large task outputs (<c>storage.s3</c>). Keys are chosen by <see cref="OutputStorage"/>; every
/// call is bounded by the configured timeout and throws <see cref="OutputStoreException"/> when the store fails.
/// </summary>
internal interface IOutputStore
{
    /// <summary>Writes <paramref name="content"/> under <paramref name="key"/>, replacing any object there.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, string sha256, CancellationToken cancellationToken);

    /// <summary>Opens the object for reading from byte <paramref name="from"/> (0: all of it).</summary>
    Task<Stream> OpenAsync(string key, long from, CancellationToken cancellationToken);

    /// <summary>Lists the keys under the prefix in key order, from just after <paramref name="startAfter"/>.</summary>
    IAsyncEnumerable<string> ListAsync(string? startAfter, CancellationToken cancellationToken);

    /// <summary>Deletes the objects (at most 1000 per call); a key already gone counts as deleted.</summary>
    Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);
}
