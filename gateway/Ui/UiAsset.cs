namespace Codeur.Gateway.Ui;

/// <summary>One file of the page, read once from the assembly, with its content type and a strong ETag of its bytes.</summary>
internal sealed record UiAsset(string Name, string ContentType, ReadOnlyMemory<byte> Content, string ETag);
