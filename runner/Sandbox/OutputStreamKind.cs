namespace Codeur.Runner.Sandbox;

internal enum OutputStreamKind
{
    Stdout,
    Stderr,
}
