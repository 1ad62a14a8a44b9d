using System.Text;

namespace Codeur.Reliability.Tests.HostileInput;

/// <summary>
/// One hostile request as bytes on the wire, with what we know about it: whether it carries a valid credential
/// (the only requests allowed to create a task) and a short description for failure messages.
/// </summary>
public sealed record HostileRequest(string Route, string Description, bool ValidCredential, byte[] Wire, bool ToRunner = false)
{
    public override string ToString()
    {
        var text = Encoding.Latin1.GetString(Wire);
        return $"[{Route}] {Description} valid_credential={ValidCredential}: {(text.Length > 600 ? text[..600] + "..." : text)}";
    }
}
