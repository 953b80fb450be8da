using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops.Admission;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Streams;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.ServiceDefaults.Http;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// Drops for viewers: state and live stock (public), RSVPs (<c>drop:rsvp</c>), reservations,
/// confirmations and releases (<c>drop:reserve</c>). Every refusal is an RFC 9457 problem.
/// </summary>
internal static class DropsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKeyLength = 128;

    /// <summary>The title of every answer that needed the origin while it could not be reached.</summary>
    public const string OriginUnreachableTitle = "The origin cannot be reached.";

    /// <summary>The event pages listen to; <see cref="KeepAliveEvent"/> only keeps an idle stream open.</summary>
    internal const string AvailabilityEvent = "availability";
    internal const string KeepAliveEvent = "keep-alive";
    internal static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapDropsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // A creator's own site may call these across origins (Shop/SiteOrigins); no other site may.
        var drops = endpoints.MapGroup("/v1/drops").WithTags("Drops").RequireCors(Shop.SiteCors.DropInRoute);
        drops.MapGet("/{dropId}", GetDrop).WithName("GetDrop").WithSummary("A drop's phase, schedule and stock as this edge last heard it.");
        drops.MapGet("/{dropId}/stream", StreamDrop).LongLived(StreamKinds.ServerSentEvents).WithName("StreamDrop").WithSummary("Server-sent events: the drop's state each time it changes on this edge.");
        drops.MapPost("/{dropId}/rsvp", Rsvp).RequireScope(Scopes.DropRsvp).RequireViewerRateLimits().WithName("RsvpDrop").WithSummary("RSVPs for early access (idempotent; recorded at the origin).");
        drops.MapPost("/{dropId}/reservations", Reserve).RequireScope(Scopes.DropReserve).RequireViewerRateLimits().WithName("ReserveDrop")
            .AddEndpointFilter(Funnel.DropFunnelTiming.Reserve)
            .WithSummary("Reserves units of a SKU, or answers 202 with a queue ticket while the waiting room admits viewers in turns. Idempotency-Key makes retries safe; Queue-Ticket carries the ticket once admitted.");
        drops.MapAdmissionApi();
        var reservations = endpoints.MapGroup("/v1/reservations").WithTags("Drops").RequireScope(Scopes.DropReserve).RequireViewerRateLimits();
        reservations.MapPost("/{reservationId}/confirm", Confirm).AddEndpointFilter(Funnel.DropFunnelTiming.Confirm).WithName("ConfirmReservation").WithSummary("Commits the sale at the origin (idempotent).");
        reservations.MapDelete("/{reservationId}", Release).WithName("ReleaseReservation").WithSummary("Gives the units back.");
        return endpoints;
    }

    internal static IResult GetDrop(string dropId, HttpContext context, ReplicaHolder holder, TimeProvider time)
    {
        if (holder.Current.FindDrop(dropId) is not { } drop)
        {
            return DropNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(EdgeDropView.From(drop, time.GetUtcNow(), holder.Current.Find(drop.CreatorId)));
    }

    /// <summary>
    /// Writes an <c>availability</c> event at once and then whenever the drop's revision or phase
    /// changes on this edge (a sell-out shows as soon as the edge applies it); a comment line every
    /// 15 s keeps proxies from closing an idle stream.
    /// </summary>
    /// <remarks>Holds one of <see cref="StreamSlots"/>' slots for as long as it is open (503 when none is free).</remarks>
    internal static async Task StreamDrop(string dropId, HttpContext context, ReplicaHolder holder, TimeProvider time, StreamSlots slots)
    {
        var cancellationToken = context.RequestAborted;
        if (holder.Current.FindDrop(dropId) is null)
        {
            await DropNotFound().ExecuteAsync(context);
            return;
        }

        if (!slots.TryEnter(context, out var slot))
        {
            await slots.Refused(context).ExecuteAsync(context);
            return;
        }

        using (slot)
        {
            // Nginx and its kin buffer responses unless told otherwise.
            context.Response.Headers["X-Accel-Buffering"] = "no";
            try
            {
                await TypedResults.ServerSentEvents(AvailabilityEvents(dropId, holder, time, cancellationToken)).ExecuteAsync(context);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The browser went away: not a failure.
            }
        }
    }

    /// <summary>
    /// The drop's <c>availability</c> events: one at once, then one whenever its revision, its phase
    /// or a hold's end changes what it shows; a <c>keep-alive</c> event (which pages do not listen
    /// to) after <see cref="KeepAliveInterval"/> of silence keeps proxies from closing an idle stream.
    /// </summary>
    /// <remarks>
    /// Sleeps until the next of: a replica swap, the drop's next phase change by time, a hold's end,
    /// the keep-alive. The swap is awaited through one task per replica, kept across wake-ups, so an
    /// idle stream allocates nothing per wake-up but a timer.
    /// </remarks>
    internal static async IAsyncEnumerable<SseItem<EdgeDropView?>> AvailabilityEvents(
        string dropId, ReplicaHolder holder, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long sentRevision = -1;
        string? sentPhase = null;
        DateTimeOffset? sentHoldEnd = null;
        var lastWrite = time.GetUtcNow();
        CatalogReplica? watched = null;
        var swapped = Task.CompletedTask;
        while (!cancellationToken.IsCancellationRequested)
        {
            var replica = holder.Current;
            var now = time.GetUtcNow();
            DateTimeOffset? nextChange = null;
            var drop = replica.FindDrop(dropId);
            if (drop is not null)
            {
                var view = EdgeDropView.From(drop, now, replica.Find(drop.CreatorId));
                // A hold ending with its lease (a dead edge's) changes availability without a revision.
                var holdEnd = DropStock.NextHoldEnd(drop, now);
                nextChange = Earliest(DropPhases.NextChange(drop, now), holdEnd);
                if (drop.Revision != sentRevision || view.Phase != sentPhase || holdEnd != sentHoldEnd)
                {
                    sentHoldEnd = holdEnd;
                    (sentRevision, sentPhase, lastWrite) = (drop.Revision, view.Phase, now);
                    yield return new SseItem<EdgeDropView?>(view, AvailabilityEvent) { EventId = drop.Revision.ToString(CultureInfo.InvariantCulture) };
                }
            }

            if (now - lastWrite >= KeepAliveInterval)
            {
                lastWrite = now;
                yield return new SseItem<EdgeDropView?>(null, KeepAliveEvent);
            }

            var wakeAt = Earliest(lastWrite + KeepAliveInterval, nextChange);

            if (!ReferenceEquals(watched, replica))
            {
                watched = replica;
                swapped = holder.WaitForChangeAsync(replica, CancellationToken.None);
            }

            var delay = wakeAt - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                // Task.Delay cancels with the request: no linked cancellation source per wait.
                await Task.WhenAny(swapped, Task.Delay(delay, time, cancellationToken));
            }
        }
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other < a ? other : a;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : Earliest(a.Value, b);

    internal static async Task<IResult> Rsvp(string dropId, HttpContext context, DropReservations reservations, OriginCalls origin, CancellationToken cancellationToken)
    {
        var token = context.GetAccessToken()!;
        var status = await reservations.RsvpAsync(token, dropId, cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return status switch
        {
            RsvpStatus.Recorded => TypedResults.Ok(new RsvpResponse(dropId, true)),
            RsvpStatus.Closed => Closed(),
            RsvpStatus.Unavailable => Unavailable(context, TimeSpan.FromSeconds(1), "The RSVP could not be recorded right now."),
            RsvpStatus.OriginUnreachable => OriginUnreachable(context, origin.RetryAfter(), "The RSVP was not recorded; retrying is safe."),
            _ => DropNotFound(),
        };
    }

    internal static async Task<IResult> Reserve(string dropId, HttpContext context, DropReservations reservations, DropAdmission admission, ReplicaHolder holder, CancellationToken cancellationToken)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        string? key = null;
        if (context.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keyValues))
        {
            key = keyValues.Count == 1 ? keyValues[0] : null;
            if (key is null || key.Length is 0 or > MaxIdempotencyKeyLength || key.AsSpan().ContainsAnyExceptInRange('!', '~'))
            {
                return Invalid(StatusCodes.Status400BadRequest, "The Idempotency-Key header is not valid.", IdempotencyKeyHeader,
                    $"must be one value of 1-{MaxIdempotencyKeyLength} visible ASCII characters");
            }
        }

        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The reservation must be sent as application/json.");
        }

        if (context.Request.ContentLength > ReservationRequestReader.MaxBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.");
        }

        var body = await ReservationRequestReader.ReadAsync(context.Request.BodyReader, cancellationToken);
        switch (body.Status)
        {
            case ReservationBodyStatus.Malformed:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON.");
            case ReservationBodyStatus.TooLarge:
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.");
            case ReservationBodyStatus.Invalid:
                return TypedResults.Problem(new HttpValidationProblemDetails(body.Errors!) { Status = StatusCodes.Status422UnprocessableEntity, Title = "The reservation request is invalid." });
        }

        // Tenant-checked: another creator's drop goes on to answer exactly like a missing one.
        var replica = holder.Current;
        if (replica.FindDropFor(token, dropId) is { } known && Withdrawal.SkuOf(known, body.SkuId) is not null && Withdrawal.IsWithdrawn(replica, known, body.SkuId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This item was withdrawn from the drop.",
                detail: "The creator removed it from their catalog; it can no longer be reserved.");
        }

        string? ticket = null;
        if (context.Request.Headers.TryGetValue(AdmissionApi.QueueTicketHeader, out var ticketValues))
        {
            // Two values are as unusable as a forged one.
            ticket = ticketValues.Count == 1 ? ticketValues[0] ?? "" : "";
        }

        // A viewer at the limit can take no unit: no place in the room for them (a retry of their
        // reservation is answered as before, by replay or 429).
        var gate = reservations.AtViewerLimit(token, dropId) ? AdmissionDecision.Proceed : admission.Enter(token, dropId, ticket);
        switch (gate.Verdict)
        {
            case AdmissionVerdict.Queued:
                return AdmissionApi.Queued(context, gate.Ticket!);
            case AdmissionVerdict.RoomFull:
                return AdmissionApi.RoomFull(context);
            case AdmissionVerdict.InvalidTicket:
                return AdmissionApi.TicketRefused();
        }

        var result = await reservations.ReserveAsync(token, dropId, body.SkuId, body.Quantity, key, cancellationToken);
        if (result.Status == ReserveStatus.OverLimit || (result.Status == ReserveStatus.Created && reservations.AtViewerLimit(token, dropId)))
        {
            // The pass has served its purpose: its place goes to the next viewer in line.
            admission.PassUsed(token, dropId);
        }

        if (result.Status == ReserveStatus.NotOpen)
        {
            // Not open for this viewer until the start: wait in the room (shuffled at the start)
            // rather than race everyone else at the opening second. Early-access viewers who are
            // merely early keep the 403 with the earlier time.
            var early = admission.JoinBeforeStart(token, dropId, result.OpensAt!.Value);
            switch (early.Verdict)
            {
                case AdmissionVerdict.Queued:
                    return AdmissionApi.Queued(context, early.Ticket!);
                case AdmissionVerdict.RoomFull:
                    return AdmissionApi.RoomFull(context);
            }
        }

        switch (result.Status)
        {
            case ReserveStatus.Created:
                var reservation = result.Reservation!;
                if (result.Replayed)
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                }

                return JsonAnswer.Created($"/v1/reservations/{reservation.Id}", ReservationResponse.From(reservation), DropsJsonContext.Default.ReservationResponse);
            case ReserveStatus.UnknownSku:
                return Invalid(StatusCodes.Status422UnprocessableEntity, "The drop has no such SKU.", "skuId", "is not one of the drop's SKUs");
            case ReserveStatus.Closed:
                return Closed();
            case ReserveStatus.SoldOut:
                return SoldOut();
            case ReserveStatus.NotOpen:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The drop is not open for you yet.",
                    detail: $"It opens for you at {result.OpensAt!.Value.ToString("O", CultureInfo.InvariantCulture)}.",
                    extensions: new Dictionary<string, object?> { ["opensAt"] = result.OpensAt });
            case ReserveStatus.OverLimit:
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Over the per-viewer limit.",
                    detail: "Release or let a reservation expire, or buy less.");
            case ReserveStatus.KeyReused:
                return Invalid(StatusCodes.Status422UnprocessableEntity, "The Idempotency-Key was used for a different request.", IdempotencyKeyHeader,
                    "was already used with another SKU or quantity");
            case ReserveStatus.Unavailable:
                return Unavailable(context, result.RetryAfter ?? TimeSpan.FromSeconds(1), "No unit can be had right now; some are held by other reservations and may come back.");
            case ReserveStatus.OriginUnreachable:
                return OriginUnreachable(context, result.RetryAfter ?? TimeSpan.FromSeconds(1), "This edge holds no unit for it; retry after the Retry-After seconds.");
            default:
                return DropNotFound();
        }
    }

    internal static async Task<IResult> Confirm(string reservationId, HttpContext context, DropReservations reservations, DropAdmission admission, CancellationToken cancellationToken)
    {
        var token = context.GetAccessToken()!;
        context.Response.Headers.CacheControl = "no-store";
        var result = await reservations.ConfirmAsync(token, reservationId, cancellationToken);
        if (result.Status == ConfirmStatus.Confirmed)
        {
            // Bought: a pass the viewer may still hold is used.
            admission.PassUsed(token, result.Reservation!.DropId);
        }

        return result.Status switch
        {
            ConfirmStatus.Confirmed => JsonAnswer.Ok(ReservationResponse.From(result.Reservation!), DropsJsonContext.Default.ReservationResponse),
            ConfirmStatus.Gone => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "The reservation expired or was released."),
            ConfirmStatus.OverLimit => TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Over the per-viewer limit.",
                detail: "Your purchases of this drop (on every edge) already reach its limit; the reservation was released."),
            ConfirmStatus.Refused => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The sale could not be confirmed.",
                detail: "The drop was cancelled or the reservation's lease ended; the reservation was released."),
            ConfirmStatus.Unavailable => Unavailable(context, TimeSpan.FromSeconds(1), "The sale could not be confirmed right now; retrying is safe."),
            ConfirmStatus.OriginUnreachable => OriginUnreachable(context, result.RetryAfter ?? TimeSpan.FromSeconds(1), "The sale was not confirmed; the reservation stays held and retrying is safe."),
            _ => ReservationNotFound(),
        };
    }

    internal static async Task<IResult> Release(string reservationId, HttpContext context, DropReservations reservations, CancellationToken cancellationToken)
    {
        var token = context.GetAccessToken()!;
        var result = await reservations.ReleaseAsync(token, reservationId, cancellationToken);
        return result.Status switch
        {
            ConfirmStatus.Gone => TypedResults.NoContent(),
            ConfirmStatus.Confirmed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The reservation is confirmed; it cannot be released."),
            // An earlier confirm's outcome is not known yet (or a forgotten reservation could not be looked up).
            ConfirmStatus.Unavailable => Unavailable(context, TimeSpan.FromSeconds(1), "The sale could not be confirmed right now; retrying is safe."),
            ConfirmStatus.OriginUnreachable => OriginUnreachable(context, result.RetryAfter ?? TimeSpan.FromSeconds(1), "Whether an earlier confirm of this reservation sold is not known yet; retrying is safe."),
            _ => ReservationNotFound(),
        };
    }

    private static ProblemHttpResult Unavailable(HttpContext context, TimeSpan retryAfter, string title)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title);
    }

    /// <summary>
    /// The honest 503 while no origin replica answers (timed out, or its circuit is open):
    /// Retry-After is when the next probe is due, and <c>reason</c> lets clients tell it from "no unit free".
    /// </summary>
    internal static ProblemHttpResult OriginUnreachable(HttpContext context, TimeSpan retryAfter, string detail)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: OriginUnreachableTitle, detail: detail,
            extensions: new Dictionary<string, object?> { ["reason"] = "origin_unreachable" });
    }

    private static ProblemHttpResult Invalid(int status, string title, string field, string message)
        => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] }) { Status = status, Title = title });

    internal static ProblemHttpResult Closed() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The drop is closed.");

    internal static ProblemHttpResult SoldOut()
        => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Sold out.",
            detail: "Every unit of this SKU is sold (or too few are left for this quantity).", extensions: new Dictionary<string, object?> { ["soldOut"] = true });

    internal static ProblemHttpResult DropNotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such drop.");

    private static ProblemHttpResult ReservationNotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such reservation.");
}

internal sealed record RsvpResponse(string DropId, bool Rsvped);

internal sealed record ReservationResponse(string ReservationId, string DropId, string SkuId, int Quantity, DateTimeOffset ExpiresAt, string Status, string? DuplicateOf)
{
    public static ReservationResponse From(Reservation reservation)
        => new(reservation.Id, reservation.DropId, reservation.SkuId, reservation.Quantity, reservation.ExpiresAt,
            reservation.State switch
            {
                ReservationState.Held => "held",
                ReservationState.Confirmed => "confirmed",
                ReservationState.Released => "released",
                _ => "expired",
            },
            reservation.DuplicateOf);
}

/// <summary>The reservation answers' serializer, generated at build time (the hot path of a drop).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReservationResponse))]
[JsonSerializable(typeof(EdgeDropView))]
internal sealed partial class DropsJsonContext : JsonSerializerContext;

/// <param name="Withdrawn">The creator's catalog no longer has this SKU (a forced catalog push): not reservable.</param>
internal sealed record EdgeDropSkuView(string SkuId, int Allocation, int Sold, int Available, bool SoldOut, bool Withdrawn);

internal sealed record EdgeEarlyAccessView(int Minutes, string Audience, DateTimeOffset OpensAt);

internal sealed record EdgeDropView(
    string DropId,
    string CreatorId,
    long Revision,
    string Phase,
    string Title,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    EdgeEarlyAccessView? EarlyAccess,
    int PerViewerLimit,
    IReadOnlyList<EdgeDropSkuView> Skus)
{
    /// <summary>
    /// <c>available</c> is allocation − sold − units in live reservations on any edge (<see cref="DropStock.Available"/>), as
    /// of the revision and <paramref name="now"/>: a hold stops counting when its lease ends, with or without a revision.
    /// A SKU the creator's catalog (as this edge holds it; none: nothing withdrawn) no longer has was withdrawn by a forced catalog push: it shows as
    /// <c>withdrawn</c> with nothing available. Derived here rather than sent with the drop, so the drop needs no revision of
    /// its own for it and every edge agrees as soon as it applied the catalog.
    /// </summary>
    public static EdgeDropView From(DropState drop, DateTimeOffset now, CreatorCatalog? catalog)
    {
        var skus = catalog is null ? null : Withdrawal.SkusOf(catalog);
        return new(drop.DropId, drop.CreatorId, drop.Revision, DropPhases.Name(DropPhases.Of(drop, now)), drop.Title,
            DropPhases.StartsAt(drop), DropPhases.EndsAt(drop),
            drop.EarlyAccessMinutes > 0 ? new EdgeEarlyAccessView(drop.EarlyAccessMinutes, drop.EarlyAccessAudience, DropPhases.EarlyAccessFrom(drop)) : null,
            drop.PerViewerLimit,
            [.. drop.Skus.Select(sku => skus?.Contains(sku.SkuId) != false
                ? new EdgeDropSkuView(sku.SkuId, sku.Allocation, sku.Sold, DropStock.Available(sku, now), sku.Sold >= sku.Allocation, Withdrawn: false)
                : new EdgeDropSkuView(sku.SkuId, sku.Allocation, sku.Sold, 0, sku.Sold >= sku.Allocation, Withdrawn: true))]);
    }
}

/// <summary>Which SKUs of a drop its creator's catalog still has (a forced catalog push can withdraw them).</summary>
internal static class Withdrawal
{
    public static HashSet<string> SkusOf(CreatorCatalog catalog)
        => catalog.Products.SelectMany(static product => product.Skus).Select(static sku => sku.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// True when the creator's catalog on this edge lacks <paramref name="skuId"/>. A creator without a catalog here withdraws
    /// nothing: the origin refuses a drop of a creator without a catalog, so that is only a deleted creator (whose drops
    /// the origin may still hold; left to the origin to refuse).
    /// </summary>
    /// <remarks>
    /// Indexed loops: it runs for every reservation, and LINQ with a lambda capturing
    /// <paramref name="skuId"/> allocated a closure and a delegate per call and per product, and
    /// even a plain <c>foreach</c> over a protobuf <c>RepeatedField</c> allocates its enumerator (~40 bytes).
    /// </remarks>
    public static bool IsWithdrawn(CatalogReplica replica, DropState drop, string skuId)
    {
        if (replica.Find(drop.CreatorId) is not { } catalog)
        {
            return false;
        }

        var products = catalog.Products;
        for (var p = 0; p < products.Count; p++)
        {
            var skus = products[p].Skus;
            for (var s = 0; s < skus.Count; s++)
            {
                if (string.Equals(skus[s].Id, skuId, StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The drop's <paramref name="skuId"/>, or null when it does not sell it (an indexed loop: see <see cref="IsWithdrawn"/>).</summary>
    public static DropSku? SkuOf(DropState drop, string skuId)
    {
        var skus = drop.Skus;
        for (var i = 0; i < skus.Count; i++)
        {
            if (string.Equals(skus[i].SkuId, skuId, StringComparison.Ordinal))
            {
                return skus[i];
            }
        }

        return null;
    }
}
