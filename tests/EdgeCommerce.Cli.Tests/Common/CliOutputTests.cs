using System.Net;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Tests.Common;

public sealed class CliOutputTests
{
    [Fact]
    public void FormatJson_EscapedPlusAndAccents_WrittenAsTheApiMeansThem()
    {
        // Act
        var text = CliOutput.FormatJson("""{"startsAt":"2026-12-06T19:00:00\u002B00:00","title":"Caf\u00e9"}""");

        // Assert
        Assert.Contains("\"startsAt\": \"2026-12-06T19:00:00+00:00\"", text, StringComparison.Ordinal);
        Assert.Contains("\"title\": \"Café\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAnswerAsync_HumanOrJson_PrintsOneOfThem()
    {
        // Arrange
        var response = new AdminResponse(HttpStatusCode.OK, "OK", """{"keyId":"k2"}""", "application/json", null);
        var human = new StringWriter();
        var json = new StringWriter();

        // Act
        var humanExit = await CliOutput.WriteAnswerAsync(new CliContext { Out = human, Error = TextWriter.Null }, response, json: false, static a => "Published " + CliOutput.Text(a, "keyId"));
        var jsonExit = await CliOutput.WriteAnswerAsync(new CliContext { Out = json, Error = TextWriter.Null }, response, json: true, static _ => "unused");

        // Assert
        Assert.Equal((0, 0), (humanExit, jsonExit));
        Assert.Equal("Published k2", human.ToString().Trim());
        Assert.Equal("{\n  \"keyId\": \"k2\"\n}", json.ToString().Trim().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task WriteAnswerAsync_Problem_GoesToStandardErrorWithExitOne()
    {
        // Arrange
        var response = new AdminResponse(HttpStatusCode.NotFound, "Not Found", """{"title":"No such drop.","status":404}""", "application/problem+json", null);
        var output = new StringWriter();
        var error = new StringWriter();

        // Act
        var exitCode = await CliOutput.WriteAnswerAsync(new CliContext { Out = output, Error = error }, response, json: true, static _ => "unused");

        // Assert
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Empty(output.ToString());
        Assert.StartsWith("error: No such drop. (404 Not Found)", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TextTable_PadsColumnsAndLeavesNoTrailingSpace()
    {
        // Arrange
        var table = new TextTable("ID", "STATE", "URL").Add("edge-10", "ok", "http://a").Add("e", null, "http://bb");

        // Act
        var lines = table.ToString().Split(Environment.NewLine);

        // Assert
        Assert.Equal(["ID       STATE  URL", "edge-10  ok     http://a", "e        -      http://bb"], lines);
    }

    [Theory]
    [InlineData("uo", "up")]
    [InlineData("creator", "creators")]
    [InlineData("nova-thread", "nova-threads")]
    [InlineData("edgse", "edges")]
    [InlineData("xyz", null)]
    public void Suggestions_Closest_FindsATypoOnly(string typed, string? expected)
        => Assert.Equal(expected, Suggestions.Closest(typed, ["up", "creators", "edges", "edge", "nova-threads", "token"]));
}
