using EdgeCommerce.Contracts;
using EdgeCommerce.Origin.Storage.Drops;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Origin.Drops.Report;

/// <summary>
/// The creator's drop report and the operators' sale cancellation, beside the drop
/// admin API: scope <c>admin:drops</c>, and another creator's drop answers exactly like a missing one.
/// </summary>
internal static class DropReportApi
{
    public static IEndpointRouteBuilder MapDropReportApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/admin/v1/creators/{creatorId}/drops")
            .WithTags("Drops")
            .RequireScope(Scopes.AdminDrops);
        api.MapGet("/{dropId}/report", GetReport).WithName("GetDropReport")
            .WithSummary("The drop's report: funnel, conversion, sell-out time, per-SKU revenue and margin, exceptions, edge P95, repeat buyers (live while it runs).");
        api.MapPost("/{dropId}/sales/{reservationId}/cancel", CancelSale).WithName("CancelDropSale")
            .WithSummary("Cancels (refunds) a confirmed sale: counted as an exception; the units stay sold. Idempotent.");
        return endpoints;
    }

    internal static async Task<IResult> GetReport(string creatorId, string dropId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId) || !Identifiers.IsValid(dropId))
        {
            return DropNotFound();
        }

        var now = time.GetUtcNow();
        var facts = await store.GetReportFactsAsync(dropId, now, cancellationToken);
        if (facts is null || !string.Equals(facts.CreatorId, creatorId, StringComparison.Ordinal))
        {
            return DropNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(DropReportBuilder.Build(facts, now));
    }

    internal static async Task<IResult> CancelSale(string creatorId, string dropId, string reservationId, HttpContext context, IDropStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MayAccess(context, creatorId) || !Identifiers.IsValid(dropId) || reservationId.Length is 0 or > 128)
        {
            return SaleNotFound();
        }

        var sale = await store.CancelSaleAsync(creatorId, dropId, reservationId, time.GetUtcNow(), cancellationToken);
        return sale is null ? SaleNotFound() : TypedResults.Ok(sale);
    }

    private static bool MayAccess(HttpContext context, string creatorId)
        => context.GetAccessToken()?.MayAccessCreator(creatorId) == true;

    private static ProblemHttpResult DropNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such drop.");

    private static ProblemHttpResult SaleNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such sale.");
}
