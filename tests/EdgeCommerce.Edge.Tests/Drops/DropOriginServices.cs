using EdgeCommerce.Edge.Drops;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>The in-memory edge host's drop calls to a test's origin double instead of the origin over gRPC.</summary>
internal static class DropOriginServices
{
    /// <summary>
    /// Services that make the host call <paramref name="origin"/> (asked for when the host first needs
    /// it, so a test may create the double after the fixture, on the fixture's clock), then <paramref name="configure"/>.
    /// </summary>
    public static Action<IServiceCollection> Use(Func<IDropInventoryOrigin> origin, Action<IServiceCollection>? configure = null)
        => services =>
        {
            services.RemoveAll<IDropInventoryOrigin>();
            services.AddSingleton(_ => origin());
            configure?.Invoke(services);
        };
}
