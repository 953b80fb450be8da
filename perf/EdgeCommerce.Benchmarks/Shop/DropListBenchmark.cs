using System.Globalization;
using EdgeCommerce.Benchmarks.Auth;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Shop;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Benchmarks.Shop;

/// <summary>
/// <c>drop-list</c>: what the output cache saves on the creator's public drop list
/// (<c>/v1/creators/{creatorId}/drops</c>), over real sockets with wrk. Two hosts in this process
/// serve the edge's own handler over the same replica, one through <see cref="CreatorDropsCachePolicy"/>
/// and one computing every answer; both run the output-cache middleware. Rounds alternate the order.
/// </summary>
internal static class DropListBenchmark
{
    private const string Creator = "creator-bench";

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var rounds = args.Int("rounds", 3, min: 1);
        var seconds = args.Int("duration", 10, min: 1);
        var connections = args.Int("connections", 32, min: 1);
        var drops = args.Int("drops", 3, min: 1);
        var skus = args.Int("skus", 8, min: 1);
        var save = !args.Flag("no-save");
        args.EnsureAllRead();
        if (await AuthBenchmark.WrkMissingAsync("drop-list"))
        {
            return 2;
        }

        var holder = new ReplicaHolder();
        holder.Swap(CatalogReplica.Empty.ApplySnapshot(SnapshotOf(drops, skus)).Replica);
        await using var cached = await StartHostAsync(holder, cache: true, cancellationToken);
        await using var computed = await StartHostAsync(holder, cache: false, cancellationToken);
        using var work = new TempDirectory("edgecommerce-bench-drop-list");
        var script = work.Combine("get.lua");
        await File.WriteAllTextAsync(script, "wrk.method = \"GET\"\n", cancellationToken);

        Console.WriteLine($"drop-list: {rounds} rounds × 2 variants × {seconds} s, wrk -t2 -c{connections}, {drops} drops of {skus} SKUs; load {MachineInfo.LoadAverage}");
        var path = "/v1/creators/" + Creator + "/drops";
        return await VariantReport.CompareOutputCacheAsync(
            "Output cache on the creator's drop list", args,
            $"{drops} drops of {skus} SKUs; server and wrk share the 2 cores.",
            new Uri(computed.Url, path), new Uri(cached.Url, path), script, connections, seconds, rounds, save, cancellationToken);
    }

    /// <summary>One creator with a 20-product catalog and <paramref name="drops"/> drops under way or coming.</summary>
    private static Contracts.Sync.Snapshot SnapshotOf(int drops, int skus)
    {
        var catalog = CatalogFactory.Build(Creator, products: 20, skusPerProduct: 2, version: 1, revision: 1);
        var snapshot = new Contracts.Sync.Snapshot { Revision = 1, Creators = { catalog } };
        var now = TimeProvider.System.GetUtcNow();
        var skuIds = catalog.Products.SelectMany(static p => p.Skus).Select(static s => s.Id).ToList();
        for (var d = 0; d < drops; d++)
        {
            var start = now.AddMinutes(-5 + (d * 120));
            var drop = new DropState
            {
                DropId = string.Create(CultureInfo.InvariantCulture, $"drop-{d}"),
                CreatorId = Creator,
                Revision = 1,
                Title = string.Create(CultureInfo.InvariantCulture, $"Live drop {d}"),
                StartsAtUnixMs = start.ToUnixTimeMilliseconds(),
                EndsAtUnixMs = start.AddHours(1).ToUnixTimeMilliseconds(),
                EarlyAccessMinutes = 10,
                EarlyAccessAudience = "rsvp",
                PerViewerLimit = 2,
            };
            for (var s = 0; s < skus; s++)
            {
                drop.Skus.Add(new DropSku { SkuId = skuIds[s % skuIds.Count], Allocation = 500, Sold = 120 });
            }

            snapshot.Drops.Add(drop);
        }

        return snapshot;
    }

    /// <summary>The edge's drop-list handler over <paramref name="holder"/>, with or without its output-cache policy.</summary>
    private static async Task<AuthBenchmark.BenchHost> StartHostAsync(ReplicaHolder holder, bool cache, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.ListenLocalhost(port));
        builder.Services.AddSingleton(holder);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOutputCache(static options => options.UseCaseSensitivePaths = true);
        var app = builder.Build();
        app.UseOutputCache();
        var endpoint = app.MapGet("/v1/creators/{creatorId}/drops", static (string creatorId, HttpContext context, ReplicaHolder replicas, TimeProvider time)
            => ShopApi.ListDrops(creatorId, context, replicas, time));
        if (cache)
        {
            endpoint.CacheOutput(CreatorDropsCachePolicy.Instance);
        }

        await app.StartAsync(cancellationToken);
        return new AuthBenchmark.BenchHost(app, new Uri($"http://localhost:{port}"));
    }
}
