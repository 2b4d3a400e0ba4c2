namespace Atalaya.Cli.Hosting;

/// <summary>A user-facing error: printed as one clear line, exit code 2, no stack trace.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
