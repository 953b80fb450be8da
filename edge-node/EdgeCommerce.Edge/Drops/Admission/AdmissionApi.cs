using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// The waiting room's own endpoints (scope <c>drop:reserve</c>, rate-limited per viewer):
/// join explicitly, and read a ticket. The reservation endpoint answers 202 with the same body
/// when it queues a viewer (<see cref="DropsApi"/>).
/// </summary>
internal static class AdmissionApi
{
    public const string QueueTicketHeader = "Queue-Ticket";

    public static RouteGroupBuilder MapAdmissionApi(this RouteGroupBuilder drops)
    {
        ArgumentNullException.ThrowIfNull(drops);
        drops.MapPost("/{dropId}/queue", Join).RequireScope(Scopes.DropReserve).RequireViewerRateLimits()
            .WithName("JoinDropQueue").WithSummary("Joins the drop's waiting room on this edge (idempotent: the same viewer keeps the same ticket).");
        drops.MapGet("/{dropId}/queue/{ticket}", Status).RequireScope(Scopes.DropReserve).RequireViewerRateLimits()
            .WithName("GetDropQueueTicket").WithSummary("A queue ticket's state: waiting (position, estimate), admitted (until), soldOut, closed or expired.");
        return drops;
    }

    internal static IResult Join(string dropId, HttpContext context, DropAdmission admission)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        if (admission.Join(token, dropId) is not { } joined)
        {
            return DropsApi.DropNotFound();
        }

        var (decision, phase) = joined;
        return decision.Verdict switch
        {
            AdmissionVerdict.Queued when decision.Created => TypedResults.Created(decision.Ticket!.StatusUrl, decision.Ticket),
            AdmissionVerdict.Queued => TypedResults.Ok(decision.Ticket),
            AdmissionVerdict.RoomFull => RoomFull(context),
            _ when phase == DropPhase.SoldOut => DropsApi.SoldOut(),
            _ => DropsApi.Closed(),
        };
    }

    internal static IResult Status(string dropId, string ticket, HttpContext context, DropAdmission admission)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        return admission.Status(token, dropId, ticket) is { } status ? TypedResults.Ok(status) : TicketNotFound();
    }

    /// <summary>202 Accepted: the viewer waits; the client polls <c>statusUrl</c> and retries with <c>Queue-Ticket</c> once admitted.</summary>
    internal static IResult Queued(HttpContext context, QueueTicketResponse ticket)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Accepted(ticket.StatusUrl, ticket);
    }

    internal static ProblemHttpResult RoomFull(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The waiting room is full.",
            detail: "Too many viewers are waiting for this drop on this edge; try again shortly.");
    }

    /// <summary>One answer for every ticket that does not check (forged, altered, another viewer's or drop's, signed with another key): nothing tells them apart.</summary>
    internal static ProblemHttpResult TicketNotFound()
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such queue ticket.",
            detail: "Join the queue again with POST /v1/drops/{dropId}/queue.");

    /// <summary>The same refusal for a <c>Queue-Ticket</c> header that does not check.</summary>
    internal static ProblemHttpResult TicketRefused()
        => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The queue ticket is not valid.",
            detail: "Send the reservation without Queue-Ticket to join the queue again.",
            extensions: new Dictionary<string, object?> { ["invalidQueueTicket"] = true });
}
