using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.Benchmarks.Auth;

/// <summary>
/// <c>auth</c>: what scoped tokens cost a personal endpoint, over real sockets with wrk. One endpoint
/// answering the same bytes three ways, side by side, rounds alternating: anonymous; authorized
/// with the validation cache (the default); authorized without it (<c>Auth:ValidationCacheSize=0</c>,
/// every request an ES256 verification). Hosts use the real <c>AddAccessTokenAuthentication</c>;
/// wrk sends a pool of distinct viewer tokens round-robin, as many viewers would.
/// </summary>
internal static partial class AuthBenchmark
{
    private const string Issuer = "https://origin.edgecommerce.bench";
    private const string KeyId = "bench-key";
    private static readonly byte[] s_body = """{"viewer":"ok","recommendations":["hoodie-01","tee-02","cap-03"]}"""u8.ToArray();

    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var rounds = args.Int("rounds", 3, min: 1);
        var seconds = args.Int("duration", 10, min: 1);
        var connections = args.Int("connections", 32, min: 1);
        var tokenCount = args.Int("tokens", 1_000, min: 1);
        var save = !args.Flag("no-save");
        args.EnsureAllRead();
        if (await WrkMissingAsync("auth"))
        {
            return 2;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var cached = await StartHostAsync(key, cacheSize: 100_000, cancellationToken);
        await using var uncached = await StartHostAsync(key, cacheSize: 0, cancellationToken);
        using var work = new TempDirectory("edgecommerce-bench-auth");
        var tokens = work.Combine("tokens.txt");
        await File.WriteAllLinesAsync(tokens, Enumerable.Range(0, tokenCount).Select(i => Mint(key, "viewer-" + i.ToString(CultureInfo.InvariantCulture))), cancellationToken);
        var withTokens = work.Combine("tokens.lua");
        await File.WriteAllTextAsync(withTokens, LuaScript(tokens, "Authorization", "Bearer "), cancellationToken);
        // The anonymous run sends the same bytes through the same Lua path, in a header nothing reads:
        // the only difference left is the validation.
        var sameBytes = work.Combine("same-bytes.lua");
        await File.WriteAllTextAsync(sameBytes, LuaScript(tokens, "X-Ignored", "Bearer "), cancellationToken);

        Console.WriteLine($"auth: {rounds} rounds × 3 variants × {seconds} s, wrk -t2 -c{connections}, {tokenCount} distinct tokens; load {MachineInfo.LoadAverage}");
        var variants = new (string Name, Uri Url, string Script)[]
        {
            ("anonymous", new Uri(cached.Url, "/anonymous"), sameBytes),
            ("authorized, cache", new Uri(cached.Url, "/authorized"), withTokens),
            ("authorized, no cache", new Uri(uncached.Url, "/authorized"), withTokens),
        };

        if (await RunRoundsAsync(variants, connections, seconds, rounds, cancellationToken) is not { } results)
        {
            return 1;
        }

        var report = Report(args, variants.Select(static v => v.Name).ToList(), results, rounds, seconds, connections, tokenCount);
        Console.WriteLine(report);
        if (save)
        {
            ResultsFile.Append(report);
            Console.WriteLine($"Appended to {ResultsFile.Path}");
        }

        return 0;
    }

    /// <summary>True, after saying so, when wrk (which the benchmarks over HTTP load with) is not installed.</summary>
    internal static async Task<bool> WrkMissingAsync(string benchmark)
    {
        if (File.Exists("/usr/bin/wrk"))
        {
            return false;
        }

        await Console.Error.WriteLineAsync($"{benchmark} needs wrk (apt-get install -y wrk).");
        return true;
    }

    private static string Report(BenchArguments args, List<string> names, Dictionary<string, List<WrkResult>> results, int rounds, int seconds, int connections, int tokenCount)
    {
        var anonymous = Median(results[names[0]].Select(static r => r.RequestsPerSecond));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Token validation cost on a personal endpoint ({TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project perf/EdgeCommerce.Benchmarks -- {args.CommandLine}`");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{MachineInfo.Describe()}; wrk -t2 -c{connections}, {seconds} s per run, {rounds} rounds alternating the variants' order; {tokenCount} distinct ES256 viewer tokens sent round-robin; server and wrk share the 2 cores. Medians of the rounds.");
        text.AppendLine();
        text.AppendLine("| variant | requests/s (median) | vs anonymous: ratio of medians | vs anonymous: median of per-round ratios | p50 ms | p99 ms | server CPU µs/request (median) | per-round req/s ratios |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        var anonymousRuns = results[names[0]];
        foreach (var name in names)
        {
            var runs = results[name];
            var rps = Median(runs.Select(static r => r.RequestsPerSecond));
            var perRound = runs.Select((r, i) => r.RequestsPerSecond / anonymousRuns[i].RequestsPerSecond).ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {rps:N0} | {rps / anonymous:0.00}× | {Median(perRound):0.00}× | {Median(runs.Select(static r => r.P50Ms)):0.000} | {Median(runs.Select(static r => r.P99Ms)):0.000} | {Median(runs.Select(static r => r.CpuMicrosecondsPerRequest)):0.0} | {string.Join(", ", perRound.Select(static r => r.ToString("0.00", CultureInfo.InvariantCulture) + "×"))} |");
        }

        return text.ToString();
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A host with the real token authentication, the anonymous and the authorized endpoint writing the same bytes.</summary>
    private static async Task<BenchHost> StartHostAsync(ECDsa key, int cacheSize, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.ListenLocalhost(port));
        builder.Configuration["Auth:ValidationCacheSize"] = cacheSize.ToString(CultureInfo.InvariantCulture);
        builder.Services.AddAccessTokenAuthentication(Audiences.Edge);
        var app = builder.Build();
        app.Services.GetRequiredService<SigningKeyRing>().Replace(Issuer, new Dictionary<string, SecurityKey>(StringComparer.Ordinal)
        {
            [KeyId] = new ECDsaSecurityKey(ECDsa.Create(key.ExportParameters(includePrivateParameters: false))) { KeyId = KeyId },
        });
        app.UseAccessTokenAuthentication();
        app.UseAuthorization();
        app.MapGet("/anonymous", WriteBody);
        app.MapGet("/authorized", WriteBody).RequireScope(Scopes.RecommendationsRead);
        await app.StartAsync(cancellationToken);
        return new BenchHost(app, new Uri($"http://localhost:{port}"));
    }

    private static Task WriteBody(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.Body.WriteAsync(s_body, context.RequestAborted).AsTask();
    }

    private static string Mint(ECDsa key, string subject)
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return EcdsaSignature.ToLowS(new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = Issuer,
            Audience = Audiences.Edge,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["sub"] = subject,
                ["creator"] = "creator-bench",
                ["scope"] = "recs:read drop:rsvp drop:reserve",
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256),
        }));
    }

    /// <summary>Each wrk thread reads the tokens and sends them round-robin, so a run sees every viewer many times.</summary>
    private static string LuaScript(string tokensPath, string header, string prefix) => $$"""
        local tokens = {}
        for line in io.lines("{{tokensPath}}") do tokens[#tokens + 1] = line end
        local i = math.random(#tokens)
        request = function()
          i = i % #tokens + 1
          return wrk.format("GET", nil, { ["{{header}}"] = "{{prefix}}" .. tokens[i] })
        end
        """;

    /// <summary>
    /// Warms every variant (JIT, connection pools, caches), then runs wrk on each in every round,
    /// alternating the order. The hosts live in this process and only one is driven at a time, so its
    /// CPU time over a run, per request, compares the variants even when other work shares the cores.
    /// Null (after saying why) when a run had answers other than 2xx: such a run proves nothing.
    /// </summary>
    internal static async Task<Dictionary<string, List<WrkResult>>?> RunRoundsAsync(
        IReadOnlyList<(string Name, Uri Url, string Script)> variants, int connections, int seconds, int rounds, CancellationToken cancellationToken)
    {
        foreach (var variant in variants)
        {
            await WrkAsync(variant.Url, variant.Script, connections, 2, cancellationToken);
        }

        var width = variants.Max(static v => v.Name.Length);
        var results = variants.ToDictionary(static v => v.Name, static _ => new List<WrkResult>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var variant in round % 2 == 1 ? variants : variants.Reverse())
            {
                var cpuBefore = CpuTime.ProcessMilliseconds(Environment.ProcessId) ?? 0;
                var result = await WrkAsync(variant.Url, variant.Script, connections, seconds, cancellationToken);
                result = result with { CpuMicrosecondsPerRequest = ((CpuTime.ProcessMilliseconds(Environment.ProcessId) ?? 0) - cpuBefore) * 1000 / Math.Max(1, result.Requests) };
                if (result.Non2xx > 0)
                {
                    await Console.Error.WriteLineAsync($"{variant.Name}: {result.Non2xx} answers were not 2xx; the run proves nothing.");
                    return null;
                }

                results[variant.Name].Add(result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round} {variant.Name.PadRight(width)} {result.RequestsPerSecond,10:N0} req/s  p50 {result.P50Ms:0.000} ms  p99 {result.P99Ms:0.000} ms  {result.CpuMicrosecondsPerRequest:0.0} µs CPU/request"));
            }
        }

        return results;
    }

    internal static async Task<WrkResult> WrkAsync(Uri url, string script, int connections, int seconds, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency" })
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("-s");
        info.ArgumentList.Add(script);

        info.ArgumentList.Add(url.ToString());
        using var process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start.");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return WrkResult.Parse(output);
    }

    internal sealed record BenchHost(WebApplication App, Uri Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    internal sealed partial record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Non2xx, long Requests)
    {
        /// <summary>The server's CPU time per request over the run (filled in by the caller).</summary>
        public double CpuMicrosecondsPerRequest { get; init; }

        public static WrkResult Parse(string output)
        {
            var rps = double.Parse(RequestsPerSecondPattern().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var non2xx = NonSuccessPattern().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var requests = long.Parse(RequestCountPattern().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            return new WrkResult(rps, Percentile(output, "50%"), Percentile(output, "99%"), non2xx, requests);
        }

        [GeneratedRegex(@"(\d+) requests in ")]
        private static partial Regex RequestCountPattern();

        private static double Percentile(string output, string label)
        {
            var match = Regex.Match(output, @"^\s*" + Regex.Escape(label) + @"\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
        private static partial Regex RequestsPerSecondPattern();

        [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
        private static partial Regex NonSuccessPattern();
    }
}
