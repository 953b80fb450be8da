using System.Globalization;
using EdgeCommerce.Benchmarks.Auth;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Benchmarks.Edges;

/// <summary>
/// <c>nearest</c>: what the output cache saves on the origin's public nearest-edge answer
/// (<c>/v1/edges/nearest?region=R</c>, asked by every creator page's embed script), over real
/// sockets with wrk. Two hosts in this process run the origin's store (SQLite), edge registry and
/// handler with the same edges registered, one through <see cref="NearestEdgesCachePolicy"/> and one
/// with <c>Routing:CacheNearest=false</c>; both run the output-cache middleware. Requests rotate over
/// four regions. Rounds alternate the order.
/// </summary>
internal static class NearestBenchmark
{
    private static readonly string[] s_regions = ["eu-west", "eu-central", "us-east", "ap-south"];

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var rounds = args.Int("rounds", 3, min: 1);
        var seconds = args.Int("duration", 10, min: 1);
        var connections = args.Int("connections", 32, min: 1);
        var edges = args.Int("edges", 12, min: 1);
        var save = !args.Flag("no-save");
        args.EnsureAllRead();
        if (await AuthBenchmark.WrkMissingAsync("nearest"))
        {
            return 2;
        }

        using var work = new TempDirectory("edgecommerce-bench-nearest");
        await using var cached = await StartHostAsync(work.Combine("cached"), cache: true, edges, cancellationToken);
        await using var computed = await StartHostAsync(work.Combine("computed"), cache: false, edges, cancellationToken);
        var script = work.Combine("regions.lua");
        await File.WriteAllTextAsync(script, $$"""
            local regions = { "{{string.Join("\", \"", s_regions)}}" }
            local i = 0
            request = function()
              i = i + 1
              return wrk.format("GET", "/v1/edges/nearest?region=" .. regions[(i % #regions) + 1])
            end
            """, cancellationToken);

        Console.WriteLine($"nearest: {rounds} rounds × 2 variants × {seconds} s, wrk -t2 -c{connections}, {edges} edges in {s_regions.Length} regions; load {MachineInfo.LoadAverage}");
        const string path = "/v1/edges/nearest";
        return await VariantReport.CompareOutputCacheAsync(
            "Output cache on the origin's nearest-edge answer", args,
            $"{edges} edges in {s_regions.Length} regions, requests rotating over the regions; SQLite store; server and wrk share the 2 cores; load average {MachineInfo.LoadAverage} at the end.",
            new Uri(computed.Url, path), new Uri(cached.Url, path), script, connections, seconds, rounds, save, cancellationToken);
    }

    /// <summary>The origin's store, registry and nearest handler, with <paramref name="edges"/> edges connected and current.</summary>
    private static async Task<AuthBenchmark.BenchHost> StartHostAsync(string dataDirectory, bool cache, int edges, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.ListenLocalhost(port));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            // The registered edges never heartbeat here: keep them connected for the whole run.
            ["Routing:ContactTimeout"] = "01:00:00",
            ["Routing:CacheNearest"] = cache ? "true" : "false",
        });
        builder.Services.AddMetrics();
        builder.Services.AddOriginStorage();
        builder.Services.AddEdgeRegistry();
        var app = builder.Build();
        app.UseOutputCache();
        app.MapGet("/v1/edges/nearest", static (string? region, EdgeDirectory directory, HttpContext context, CancellationToken cancellationToken)
            => EdgesApi.Nearest(region, directory, context, cancellationToken)).CacheOutput(NearestEdgesCachePolicy.PolicyName);
        await app.StartAsync(cancellationToken);
        var registry = app.Services.GetRequiredService<EdgeRegistry>();
        for (var i = 0; i < edges; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"edge-{i:00}");
            registry.OnConnected(id, s_regions[i % s_regions.Length], $"https://{id}.example.com", 2, appliedRevision: 0);
        }

        return new AuthBenchmark.BenchHost(app, new Uri($"http://localhost:{port}"));
    }
}
