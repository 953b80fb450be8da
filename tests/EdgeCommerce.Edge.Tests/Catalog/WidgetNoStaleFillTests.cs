using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Tests.Infrastructure;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Catalog;

/// <summary>
/// Readers hammer one creator's widget while the writer moves it through many revisions, the way
/// the sync stream does during a live drop.
/// </summary>
public sealed class WidgetNoStaleFillTests(EdgeApiFixture fixture) : IClassFixture<EdgeApiFixture>, IDisposable
{
    private const string CreatorId = "drop";
    private const int Readers = 16;
    private const int Revisions = 300;

    public void Dispose() => Assert.Empty(fixture.ErrorLogs);

    /// <summary>
    /// What this catches: a stale fill. A render of revision N that is still running when the
    /// updater swaps in N+1 and evicts the creator's tag would, with a key that does not carry
    /// the revision, store N's bytes after that eviction (or hand them to requests waiting on the
    /// same key), and every later request would be served N although the replica holds N+1,
    /// until the next eviction. Keys that carry the revision make that impossible: each reader
    /// notes the revision applied before it sends its request, and must never get an older one.
    /// The writer is paced by reader progress, not by time: after each revision it waits until the
    /// readers completed as many requests as there are readers, so renders overlap every swap.
    /// </summary>
    [Fact]
    public async Task GetWidget_ReadersDuringManyRevisions_NeverServeOlderThanAppliedBeforeRequest()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var productByRevision = new ConcurrentDictionary<long, string>();
        var first = await fixture.UpsertAsync(CatalogOf(CreatorId, 0, "v0"), ct);
        productByRevision[first] = "v0";
        var violations = new ConcurrentQueue<string>();
        var observedRevisions = new ConcurrentDictionary<long, byte>();
        long completedReads = 0;
        var writerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var allStarted = new CountdownEvent(Readers);

        async Task<Observation> ReadAsync(HttpClient client)
        {
            var before = fixture.Holder.Current.Find(CreatorId)!.Revision;
            using var response = await client.GetAsync($"/v1/creators/{CreatorId}/widget", ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var observation = Observation.From(before, response, body);
            if (observation.Problem(productByRevision) is { } problem)
            {
                violations.Enqueue(problem);
            }

            observedRevisions.TryAdd(observation.HeaderRevision, 0);
            Interlocked.Increment(ref completedReads);
            return observation;
        }

        async Task<Observation> ReaderAsync()
        {
            using var client = fixture.CreateClient();
            try
            {
                await ReadAsync(client);
            }
            finally
            {
                allStarted.Signal();
            }

            while (!writerDone.Task.IsCompleted)
            {
                await ReadAsync(client);
            }

            // Every reader, once the writer is done, must see the last revision.
            return await ReadAsync(client);
        }

        var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(ReaderAsync, ct)).ToArray();
        await Task.Run(() => allStarted.Wait(ct), ct);

        // Act: the writer, as the sync stream would apply them.
        var last = first;
        for (var i = 1; i <= Revisions; i++)
        {
            var product = "v" + i.ToString(CultureInfo.InvariantCulture);
            var catalog = CatalogOf(CreatorId, 0, product);
            productByRevision[fixture.Holder.Current.Revision + 1] = product;
            last = await fixture.UpsertAsync(catalog, ct);
            var target = Interlocked.Read(ref completedReads) + Readers;
            // A reader that stopped early has failed: stop writing and let its exception surface.
            while (Interlocked.Read(ref completedReads) < target && !readers.Any(static r => r.IsCompleted))
            {
                await Task.Delay(1, ct);
            }
        }

        writerDone.SetResult();
        var finals = await Task.WhenAll(readers).WaitAsync(ct);

        // Assert
        Assert.True(violations.IsEmpty, $"{violations.Count} of {Interlocked.Read(ref completedReads)} responses stale or inconsistent, first: {string.Join(" | ", violations.Take(5))}");
        Assert.All(finals, final => Assert.Equal(last, final.HeaderRevision));
        Assert.Equal(first + Revisions, last);
        Assert.True(observedRevisions.Count > 1, "The readers are expected to see the widget move.");
    }

    private sealed record Observation(long Before, HttpStatusCode Status, long HeaderRevision, string? ETag, long BodyRevision, string? Product)
    {
        public static Observation From(long before, HttpResponseMessage response, byte[] body)
        {
            var header = response.Headers.TryGetValues(WidgetApi.RevisionHeader, out var values)
                ? long.Parse(values.Single(), CultureInfo.InvariantCulture)
                : -1;
            long bodyRevision = -1;
            string? product = null;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(body);
                bodyRevision = json.RootElement.GetProperty("revision").GetInt64();
                product = json.RootElement.GetProperty("products")[0].GetProperty("id").GetString();
            }

            return new Observation(before, response.StatusCode, header, response.Headers.ETag?.Tag, bodyRevision, product);
        }

        public string? Problem(IReadOnlyDictionary<long, string> productByRevision)
        {
            if (Status != HttpStatusCode.OK)
            {
                return $"status {(int)Status} after revision {Before}";
            }

            if (HeaderRevision < Before)
            {
                return $"stale: revision {HeaderRevision} served after {Before} was applied";
            }

            if (BodyRevision != HeaderRevision || ETag != $"\"r{HeaderRevision}\"")
            {
                return $"inconsistent: header {HeaderRevision}, body {BodyRevision}, ETag {ETag}";
            }

            return productByRevision.TryGetValue(HeaderRevision, out var expected) && expected == Product
                ? null
                : $"wrong bytes: revision {HeaderRevision} holds product {Product}";
        }
    }
}
