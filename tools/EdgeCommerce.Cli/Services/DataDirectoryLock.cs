using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Services;

/// <summary>
/// Keeps two origins off one data directory (two <c>up</c> runs, or <c>up</c> and <c>origin</c>):
/// held for the life of the process that runs the origin. On Linux, .NET takes an advisory
/// <c>flock</c> for <see cref="FileShare.None"/>, which the kernel releases even when the process
/// is killed, so a crash never leaves a stale lock behind.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = ".origin.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <exception cref="CliException">Another process holds the lock.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        // Owner-only: it holds the origin's database and keys, the tokens and the edges' replicas.
        EdgeCommerce.Contracts.OwnerOnly.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex)
        {
            throw new CliException(
                $"Another edgecommerce process already runs the origin of {dataDirectory} (it holds {path}). "
                + "Stop it first, or pass another --data DIR.", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
