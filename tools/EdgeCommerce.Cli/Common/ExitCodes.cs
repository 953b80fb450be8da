namespace EdgeCommerce.Cli.Common;

/// <summary>The CLI's exit codes, the same for every verb.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation failed; the reason (problem details, unreachable origin, a dead child) is printed.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong; the errors and the verb's usage are printed.</summary>
    public const int UsageError = 2;
}
