using BenchmarkDotNet.Running;
using EdgeCommerce.Benchmarks.Auth;
using EdgeCommerce.Benchmarks.Drops;
using EdgeCommerce.Benchmarks.Edges;
using EdgeCommerce.Benchmarks.Fanout;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Benchmarks.Propagation;
using EdgeCommerce.Benchmarks.Shop;
using EdgeCommerce.Benchmarks.Snapshot;
using EdgeCommerce.Benchmarks.Wan;

namespace EdgeCommerce.Benchmarks;

/// <summary>
/// <c>propagation</c> and <c>snapshot</c> run the end-to-end benchmarks over real processes, <c>auth</c>
/// the token-validation cost over real sockets;
/// anything else goes to BenchmarkDotNet (micro-benchmarks: <c>--filter *</c>). See perf/README.md.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] is "propagation" or "snapshot" or "auth" or "reservations" or "hung" or "stock" or "burst" or "soak-drops" or "fanout" or "wan-check" or "drop-list" or "nearest")
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };

            BenchArguments parsed;
            try
            {
                parsed = BenchArguments.Parse(args);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }

            try
            {
                return args[0] switch
                {
                    "propagation" => await PropagationBenchmark.RunAsync(parsed, stop.Token),
                    "auth" => await AuthBenchmark.RunAsync(parsed, stop.Token),
                    "reservations" => await ReservationBenchmark.RunAsync(parsed, stop.Token),
                    "hung" => await HungOriginBenchmark.RunAsync(parsed, stop.Token),
                    "stock" => await StockConvergenceBenchmark.RunAsync(parsed, stop.Token),
                    "burst" => await BurstBenchmark.RunAsync(parsed, stop.Token),
                    "soak-drops" => await SoakDropsBenchmark.RunAsync(parsed, stop.Token),
                    "fanout" => await FanoutBenchmark.RunAsync(parsed, stop.Token),
                    "wan-check" => await WanCheck.RunAsync(parsed, stop.Token),
                    "drop-list" => await DropListBenchmark.RunAsync(parsed, stop.Token),
                    "nearest" => await NearestBenchmark.RunAsync(parsed, stop.Token),
                    _ => await SnapshotBenchmark.RunAsync(parsed, stop.Token),
                };
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
