using EdgeCommerce.Cli.Common;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests;

public sealed class CliApplicationTests
{
    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "launch" }, "launch")]
    [InlineData(new[] { "up", "--edges", "x" }, "--edges")]
    [InlineData(new[] { "up", "--edges", "17" }, "--edges")]
    [InlineData(new[] { "up", "--origin-port", "70000" }, "--origin-port")]
    [InlineData(new[] { "up", "--grpc-port", "0" }, "--grpc-port")]
    [InlineData(new[] { "up", "--unknown" }, "--unknown")]
    [InlineData(new[] { "origin", "--port", "http" }, "--port")]
    [InlineData(new[] { "edge", "--region", "eu-west" }, "--id")]
    [InlineData(new[] { "edge", "--id", "edge-1" }, "--region")]
    [InlineData(new[] { "edge", "--id", "-edge", "--region", "eu-west" }, "--id")]
    [InlineData(new[] { "edge", "--id", "edge-1", "--region", "eu-west", "--origin-grpc", "127.0.0.1:5081" }, "--origin-grpc")]
    [InlineData(new[] { "catalog" }, "Required command was not provided")]
    [InlineData(new[] { "catalog", "push", "--creator", "nova" }, "FILE")]
    [InlineData(new[] { "catalog", "push", "catalog.json" }, "--creator")]
    [InlineData(new[] { "catalog", "push", "catalog.json", "--creator", "bad id" }, "--creator 'bad id'")]
    [InlineData(new[] { "catalog", "push", "catalog.json", "--creator", "nova", "--if-match", "latest" }, "--if-match")]
    [InlineData(new[] { "catalog", "push", "catalog.json", "--creator", "nova", "--origin", "ftp://origin" }, "ftp://origin")]
    [InlineData(new[] { "catalog", "get" }, "--creator")]
    [InlineData(new[] { "creators", "extra" }, "extra")]
    public async Task RunAsync_BadUsage_ReturnsTwoWithErrorAndUsage(string[] args, string expectedInError)
    {
        // Arrange
        var (context, output, error) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(args, context);

        // Assert
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains(expectedInError, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task RunAsync_CatalogPushUsageError_PrintsThatVerbsUsage()
    {
        // Arrange
        var (context, _, error) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(["catalog", "push", "catalog.json"], context);

        // Assert
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("edgecommerce catalog push <FILE> [options]", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("up --help")]
    [InlineData("catalog push --help")]
    public async Task RunAsync_Help_ReturnsZeroAndPrintsUsage(string commandLine)
    {
        // Arrange
        var (context, output, _) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(commandLine.Split(' '), context);

        // Assert
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("edgecommerce", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("creators")]
    [InlineData("catalog get --creator nova-threads")]
    [InlineData("catalog push catalog.json --creator nova-threads")]
    public async Task RunAsync_NoEndpointsFileAndNoOrigin_ReturnsOneWithHint(string commandLine)
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        var (context, _, error) = CreateContext(directory.Path);

        // Act
        var exitCode = await CliApplication.RunAsync(commandLine.Split(' '), context);

        // Assert
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Contains(Path.Combine(directory.Path, ".edgecommerce", "endpoints.json"), error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--origin", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CorruptEndpointsFile_ReturnsOneNamingTheFile()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "endpoints.json"), "{not json", TestContext.Current.CancellationToken);
        var (context, _, error) = CreateContext(directory.Path);

        // Act
        var exitCode = await CliApplication.RunAsync(["creators", "--data", "."], context);

        // Assert
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Contains("is not a valid endpoints file", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uo", "Did you mean 'up'?")]
    [InlineData("creator", "Did you mean 'creators'?")]
    [InlineData("catalog psuh", "Did you mean 'push'?")]
    [InlineData("drops lsit", "Did you mean 'list'?")]
    public async Task RunAsync_MistypedVerb_SuggestsTheClosest(string commandLine, string expected)
    {
        // Arrange
        var (context, _, error) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(commandLine.Split(' '), context);

        // Assert
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BackupOutIsADirectory_OneLineErrorWithoutStackTrace()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        var (context, _, error) = CreateContext(directory.Path);

        // Act
        var exitCode = await CliApplication.RunAsync(["backup", "--out", directory.Path], context);

        // Assert
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.Contains("is a directory", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin")]
    [InlineData("edge --id edge-1 --region eu-west")]
    public void Parse_ServiceSettings_AcceptedAndPassedOn(string verb)
    {
        // Arrange
        var (context, _, _) = CreateContext(Environment.CurrentDirectory);
        var root = CliApplication.CreateRootCommand(context);

        // Act
        var parsed = root.Parse([.. verb.Split(' '), "--Drops:LeaseDuration=00:00:30", "--port", "5090", "--Logging:LogLevel:Default=Debug"]);
        var (settings, settingsError) = EdgeCommerce.Cli.Foreground.ServiceSettings.Read(parsed);

        // Assert
        Assert.Empty(parsed.Errors);
        Assert.Null(settingsError);
        Assert.Equal(["Drops:LeaseDuration=00:00:30", "Logging:LogLevel:Default=Debug"], settings);
        var origin = EdgeCommerce.Cli.Services.ServiceDefinitions.Origin("/x/origin.dll", 1, 2, "/data", "/data/admin.token", settings);
        Assert.Equal("--Drops:LeaseDuration=00:00:30", origin.Arguments[^2]);
    }

    [Theory]
    [InlineData("origin --bogus")]
    [InlineData("edge --id edge-1 --region eu-west stray")]
    public async Task RunAsync_ServiceVerbWithAWordThatIsNoSetting_ReturnsTwo(string commandLine)
    {
        // Arrange
        var (context, _, error) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(commandLine.Split(' '), context);

        // Assert
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--Section:Key=value", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DropsPutHelp_ShowsTheDocumentsShape()
    {
        // Arrange
        var (context, output, _) = CreateContext(Environment.CurrentDirectory);

        // Act
        var exitCode = await CliApplication.RunAsync(["drops", "put", "--help"], context);

        // Assert
        Assert.Equal(ExitCodes.Success, exitCode);
        foreach (var member in new[] { "\"title\"", "\"startsAt\"", "\"endsAt\"", "\"earlyAccess\"", "\"perViewerLimit\"", "\"allocations\"", "docs/examples/drop.json" })
        {
            Assert.Contains(member, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DropExample_IsTheShapeTheHelpShows()
    {
        // Arrange
        var example = Path.Combine(Repository.Root, "docs", "examples", "drop.json");

        // Act
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(example));

        // Assert
        Assert.Equal(["title", "startsAt", "endsAt", "earlyAccess", "perViewerLimit", "allocations"], document.RootElement.EnumerateObject().Select(static p => p.Name));
    }

    private static (CliContext Context, StringWriter Out, StringWriter Error) CreateContext(string workingDirectory)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            WorkingDirectory = workingDirectory,
            GetEnvironmentVariable = static _ => null,
        };
        return (context, output, error);
    }
}
