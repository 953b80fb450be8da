namespace EdgeCommerce.Tests.Common.Drops;

/// <summary>
/// The processes a drop test over real processes starts: an origin and edges following it on
/// loopback, each edge with its own data directory and sync token. Disposing stops the edges, then
/// the origin. Each test starts its own stack: drop tests restart, kill and freeze processes and
/// set their own leases and limits, so one test's processes would change another's outcome.
/// </summary>
public sealed class DropProcesses : IAsyncDisposable
{
    private readonly EdgeNode[] _edges;

    private DropProcesses(OriginNode origin, EdgeNode[] edges)
    {
        Origin = origin;
        _edges = edges;
    }

    public OriginNode Origin { get; }

    public IReadOnlyList<EdgeNode> Edges => _edges;

    /// <summary>The first edge (the only one, in most tests).</summary>
    public EdgeNode Edge => _edges[0];

    /// <summary>
    /// Starts the origin in <c>origin/</c> under <paramref name="data"/> with <paramref name="originSettings"/>,
    /// then the edges <paramref name="edgeIds"/> at once (each in a directory named after it) with <paramref name="edgeSettings"/>.
    /// </summary>
    public static async Task<DropProcesses> StartAsync(TempDirectory data, IReadOnlyList<string> edgeIds, CancellationToken cancellationToken,
        IReadOnlyList<string>? originSettings = null, IReadOnlyList<string>? edgeSettings = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(edgeIds);
        var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, [.. originSettings ?? []]);
        var starts = edgeIds.Select(id => origin.StartEdgeAsync(id, "eu-west", data.Combine(id), cancellationToken, settings: [.. edgeSettings ?? []])).ToArray();
        try
        {
            return new DropProcesses(origin, await Task.WhenAll(starts));
        }
        catch
        {
            foreach (var start in starts.Where(static s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            await origin.DisposeAsync();
            throw;
        }
    }

    /// <summary>Pushes a catalog selling <paramref name="skuIds"/> for <paramref name="creatorId"/>, PUTs the drop, and waits until every edge serves it.</summary>
    public async Task PublishDropAsync(string creatorId, string dropId, string dropJson, IReadOnlyList<string> skuIds, CancellationToken cancellationToken, string? token = null)
    {
        await Origin.PushSkusAsync(creatorId, cancellationToken, [.. skuIds]);
        await Origin.PutDropAsync(creatorId, dropId, dropJson, cancellationToken, token);
        await Task.WhenAll(_edges.Select(edge => edge.WaitForDropAsync(dropId, cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var edge in _edges.Reverse())
        {
            await edge.DisposeAsync();
        }

        await Origin.DisposeAsync();
    }
}
