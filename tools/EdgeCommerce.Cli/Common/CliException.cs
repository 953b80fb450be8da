namespace EdgeCommerce.Cli.Common;

/// <summary>An operation failed for a reason the user can act on; its message is printed as is and the exit code is 1.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
