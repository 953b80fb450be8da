namespace EdgeCommerce.Edge.Drops.Funnel;

/// <summary>
/// Times the reserve and confirm endpoints for the drop report's edge P95. A confirm's
/// route names the reservation, not the drop: the handler's <see cref="DropMetrics"/> call names the
/// drop in the <see cref="Current"/> slot this filter opened for the request (an async-local flows
/// into the handler's awaits; the object is shared, so the filter sees what the handler set).
/// </summary>
internal static class DropFunnelTiming
{
    /// <summary>The drop the current confirm request was for; set by <see cref="DropMetrics.Confirmed"/>.</summary>
    internal static readonly AsyncLocal<Slot?> Current = new();

    public static async ValueTask<object?> Reserve(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        var result = await next(context);
        if (context.HttpContext.GetRouteValue("dropId") is string dropId && services.GetService<DropFunnel>() is { } funnel)
        {
            funnel.ReserveTook(dropId, time.GetElapsedTime(started));
        }

        return result;
    }

    public static async ValueTask<object?> Confirm(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var slot = new Slot();
        Current.Value = slot;
        var started = time.GetTimestamp();
        var result = await next(context);
        if (slot.DropId is { } dropId && services.GetService<DropFunnel>() is { } funnel)
        {
            funnel.ConfirmTook(dropId, time.GetElapsedTime(started));
        }

        return result;
    }

    internal sealed class Slot
    {
        public string? DropId { get; set; }
    }
}
