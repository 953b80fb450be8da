using EdgeCommerce.ServiceDefaults.Observability;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace EdgeCommerce.Edge.Relay;

internal static class RelayServiceCollectionExtensions
{
    /// <summary>The relay tier, when <c>Relay:Enabled</c>: the change log, the downstream streams and the gRPC service.</summary>
    public static IHostApplicationBuilder AddRelay(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RelayOptions>()
            .BindConfiguration(RelayOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddGrpc(static grpc =>
        {
            grpc.EnableDetailedErrors = false;
            // Downstream edges send acknowledgements (and load reports) only.
            grpc.MaxReceiveMessageSize = 64 * 1024;
            grpc.MaxSendMessageSize = 256 * 1024 * 1024;
        });
        builder.Services.AddSingleton<RelayChangeLog>();
        builder.Services.AddSingleton<RelayDownstreams>();
        builder.Services.AddSingleton<RelayTokenValidator>();
        builder.Services.AddSingleton<RelayTokenRenewals>();
        return builder;
    }

    /// <summary>Where a downstream edge's bearer token is kept for <see cref="RelaySyncService"/> (see <see cref="UseRelayCredentials"/>).</summary>
    internal const string AuthorizationItem = "EdgeCommerce.Relay.Authorization";

    /// <summary>
    /// Takes a downstream edge's token off its sync call before the edge's own authentication sees
    /// it: that token is for the origin's audience, so the edge's validator would refuse it and count
    /// each stream as a failed authentication against the caller's address (throttling viewers that
    /// share it). The relay service checks it instead, against the origin's audience.
    /// </summary>
    public static WebApplication UseRelayCredentials(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }

        app.Use(static (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/edgecommerce.sync.v1.CatalogSync", StringComparison.Ordinal))
            {
                context.Items[AuthorizationItem] = context.Request.Headers.Authorization.ToString();
                context.Request.Headers.Remove("Authorization");
            }

            return next(context);
        });
        return app;
    }

    public static WebApplication MapRelay(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }

        // The service checks each downstream edge's token itself (the origin's audience, not this edge's).
        var service = app.MapGrpcService<RelaySyncService>();
        service.Add(static endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().FirstOrDefault() is { Method.Type: not MethodType.Unary })
            {
                endpoint.Metadata.Add(new LongLivedEndpointMetadata(StreamKinds.GrpcStream));
            }
        });
        return app;
    }

    private static bool IsEnabled(IConfiguration configuration)
        => configuration.GetValue<bool>(RelayOptions.SectionName + ":" + nameof(RelayOptions.Enabled));
}
