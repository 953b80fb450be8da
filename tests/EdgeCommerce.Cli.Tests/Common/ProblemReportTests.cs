using System.Net;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Tests.Common;

public sealed class ProblemReportTests
{
    [Fact]
    public void Format_ValidationProblem_ListsTitleAndEveryPath()
    {
        // Arrange
        var response = new AdminResponse(HttpStatusCode.UnprocessableEntity, "Unprocessable Entity", """
            {"title": "The catalog is invalid; nothing was stored.", "status": 422,
             "errors": {"products[0].price.currency": ["must be an active ISO 4217 currency code"], "products[1].id": ["is required", "x"]}}
            """, "application/problem+json", null);

        // Act
        var text = ProblemReport.Format(response);

        // Assert
        var lines = text.Split(Environment.NewLine);
        Assert.Equal("error: The catalog is invalid; nothing was stored. (422 Unprocessable Entity)", lines[0]);
        Assert.Contains("  products[0].price.currency: must be an active ISO 4217 currency code", lines);
        Assert.Contains("  products[1].id: is required", lines);
        Assert.Contains("  products[1].id: x", lines);
    }

    [Fact]
    public void Format_NotProblemDetails_ShowsStatusAndBody()
    {
        // Arrange
        var response = new AdminResponse(HttpStatusCode.BadGateway, "Bad Gateway", "upstream down", "text/plain", null);

        // Act / Assert
        Assert.Equal("error: 502 Bad Gateway" + Environment.NewLine + "upstream down", ProblemReport.Format(response));
    }
}
