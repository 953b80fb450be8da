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
    public void Format_DetailPointingAtTheErrorsMember_KeepsOnlyTheRest()
    {
        // Arrange
        var response = new AdminResponse(HttpStatusCode.UnprocessableEntity, "Unprocessable Entity", """
            {"title": "The drop is invalid.", "status": 422,
             "detail": "A drop sells only SKUs of its creator's current catalog: push the catalog first. Every error is listed under 'errors', keyed by JSON path.",
             "errors": {"allocations[0].skuId": ["is not in the catalog"]}}
            """, "application/problem+json", null);

        // Act
        var lines = ProblemReport.Format(response).Split(Environment.NewLine);

        // Assert
        Assert.Equal("  A drop sells only SKUs of its creator's current catalog: push the catalog first.", lines[1]);
        Assert.DoesNotContain(lines, static line => line.Contains("'errors'", StringComparison.Ordinal));
        Assert.Contains("  allocations[0].skuId: is not in the catalog", lines);
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
