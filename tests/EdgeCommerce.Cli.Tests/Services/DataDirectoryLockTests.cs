using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Services;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Services;

public sealed class DataDirectoryLockTests
{
    [Fact]
    public void Acquire_AlreadyHeld_ThrowsNamingTheDirectory()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-lock");
        using var held = DataDirectoryLock.Acquire(directory.Path);

        // Act
        var ex = Assert.Throws<CliException>(() => DataDirectoryLock.Acquire(directory.Path));

        // Assert
        Assert.Contains(directory.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_AfterRelease_Succeeds()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-lock");
        DataDirectoryLock.Acquire(directory.Path).Dispose();

        // Act / Assert
        using var again = DataDirectoryLock.Acquire(directory.Path);
    }

    [Theory]
    [InlineData("up", "--edges", "0")]
    [InlineData("origin")]
    public async Task RunAsync_OriginOfThatDataAlreadyRunning_ReturnsOne(params string[] verb)
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-lock");
        using var held = DataDirectoryLock.Acquire(directory.Path);
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = new StringWriter(),
            Error = error,
            GetEnvironmentVariable = static name => name switch
            {
                "EDGECOMMERCE_BIN" => Repository.BinRoot,
                "EDGECOMMERCE_CONFIGURATION" => Repository.Configuration,
                _ => null,
            },
        };

        // Act
        var exitCode = await CliApplication.RunAsync([.. verb, "--data", directory.Path], context);

        // Assert
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Contains("already runs the origin of " + directory.Path, error.ToString(), StringComparison.Ordinal);
    }
}
