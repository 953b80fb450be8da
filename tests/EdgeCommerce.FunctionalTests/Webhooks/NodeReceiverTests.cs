using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Webhooks;

/// <summary>
/// The README's Node receiver (<c>docs/examples/webhook-receiver/receiver.mjs</c>, verifying with
/// the npm <c>standardwebhooks</c> package, which nobody here wrote) run with node against a real
/// origin process: the origin's delivery verifies there unchanged, and a forged one does not. The
/// README shows that very file.
/// </summary>
public sealed class NodeReceiverTests
{
    private const string Creator = "node-hooks";
    private const string Sku = "node-hook-tee";

    private static string ReceiverDirectory => Path.Combine(Repository.Root, "docs", "examples", "webhook-receiver");

    [Fact]
    public async Task Readme_ReceiverExample_IsTheTestedReceiver()
    {
        // Arrange
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), TestContext.Current.CancellationToken);
        var receiver = await File.ReadAllTextAsync(Path.Combine(ReceiverDirectory, "receiver.mjs"), TestContext.Current.CancellationToken);

        // Act: the first js block after the README's "Receiving webhooks" heading.
        var section = readme[readme.IndexOf("### Receiving webhooks", StringComparison.Ordinal)..];
        var start = section.IndexOf("```js\n", StringComparison.Ordinal) + "```js\n".Length;
        var example = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];

        // Assert
        Assert.Equal(receiver, example);
    }

    [Fact]
    public async Task NodeStandardWebhooksReceiver_VerifiesARealDelivery_AndRefusesAForgedOne()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        if (!File.Exists(Path.Combine(ReceiverDirectory, "node_modules", "standardwebhooks", "package.json")) || Which("node") is not { } node)
        {
            Assert.Skip($"node or the npm package standardwebhooks is not installed (./edgecommerce test installs them: npm ci in {ReceiverDirectory}).");
            return;
        }

        var port = FreePort.Next();
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, "--Webhooks:PollInterval=00:00:00.100");
        await origin.PushSkusAsync(Creator, cancellationToken, Sku);
        using var put = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/webhooks/node-1",
            Json(new { url = $"http://127.0.0.1:{port}/hooks", events = new[] { "drop.opened" } }), cancellationToken);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync(cancellationToken));
        var secret = (await put.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("secret").GetString()!;
        using var receiver = StartReceiver(node, secret, port);
        await WaitForPortAsync(port, receiver, cancellationToken);

        // Act: a drop opening (a title beyond ASCII: the signature covers the exact UTF-8 body), and a
        // request signed with another key.
        const string Title = "Tour drop — Zürich ✓";
        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2);
        using var drop = await origin.Http.PutAsync($"/admin/v1/creators/{Creator}/drops/node-drop", Json(new
        {
            title = Title,
            startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endsAt = startsAt.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            perViewerLimit = 1,
            allocations = new[] { new { skuId = Sku, units = 1 } },
        }), cancellationToken);
        Assert.True(drop.IsSuccessStatusCode, await drop.Content.ReadAsStringAsync(cancellationToken));
        var line = await receiver.WaitForLineAsync(static l => l.StartsWith("msg_", StringComparison.Ordinal), TimeSpan.FromSeconds(60), cancellationToken);
        var forged = await PostForgedAsync(port, cancellationToken);
        var deliveries = await SettledDeliveries.ReadAsync(origin.Http, Creator, "node-1", cancellationToken);

        // Assert: the receiver verified the delivery (it printed it and answered 204, so the origin
        // counts it delivered at the first attempt) and refused the forgery.
        var parts = line.Split(' ', 3);
        var delivery = deliveries.GetProperty("deliveries")[0];
        Assert.Equal((delivery.GetProperty("eventId").GetString(), "drop.opened"), (parts[0], parts[1]));
        Assert.Equal(("node-drop", Title), (JsonDocument.Parse(parts[2]).RootElement.GetProperty("dropId").GetString(), JsonDocument.Parse(parts[2]).RootElement.GetProperty("title").GetString()));
        Assert.Equal(("delivered", 1), (delivery.GetProperty("state").GetString(), delivery.GetProperty("attempts").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, forged);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static string? Which(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);

    private static NodeProcess StartReceiver(string node, string secret, int port)
    {
        var start = new ProcessStartInfo(node, "receiver.mjs")
        {
            WorkingDirectory = ReceiverDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["WEBHOOK_SECRET"] = secret;
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        return new NodeProcess(Process.Start(start)!);
    }

    private static async Task WaitForPortAsync(int port, NodeProcess receiver, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (elapsed.Elapsed < TimeSpan.FromSeconds(30) && !receiver.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new TimeoutException($"The node receiver did not listen on {port}: {receiver.Output}", ex);
            }
        }
    }

    /// <summary>A well-formed delivery signed with a key that is not the endpoint's; returns the receiver's status.</summary>
    private static async Task<HttpStatusCode> PostForgedAsync(int port, CancellationToken cancellationToken)
    {
        const string Body = """{"type":"drop.opened","timestamp":"2026-01-01T00:00:00Z","data":{"dropId":"forged"}}""";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), Encoding.UTF8.GetBytes($"msg_forged.{timestamp}.{Body}")));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/hooks") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", "msg_forged");
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", signature);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>The node process, its output lines kept; killed on dispose.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        public NodeProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue(e.Data);
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue("stderr: " + e.Data);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public string Output => string.Join('\n', _lines);

        public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var elapsed = Stopwatch.StartNew();
            while (elapsed.Elapsed < timeout)
            {
                if (_lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                await Task.Delay(100, cancellationToken);
            }

            throw new TimeoutException($"The node receiver printed no matching line in {timeout}: {Output}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }
    }
}
