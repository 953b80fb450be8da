using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// A model activation wakes every stream at once (the origin's and each relay's): the model is read
/// and encoded once for all of them, and what they send is the model's bytes, in order.
/// </summary>
public sealed class ModelChunksTests
{
    private static readonly byte[] s_onnx = [.. Enumerable.Range(0, 10_000).Select(static i => (byte)(i * 7))];

    [Fact]
    public async Task GetAsync_ManyStreamsAtOnce_ReadsAndEncodesOnceAndEveryStreamGetsTheWholeModel()
    {
        // Arrange: would catch a read (a database row or a file of megabytes) per stream again.
        var models = new ModelChunks();
        var reads = 0;
        var release = new TaskCompletionSource();
        async Task<(string, byte[])?> Read()
        {
            Interlocked.Increment(ref reads);
            await release.Task;
            return ("v1", s_onnx);
        }

        // Act
        var streams = Enumerable.Range(0, 50).Select(_ => Task.Run(() => models.GetAsync("abc123", 4096, Read, TestContext.Current.CancellationToken))).ToList();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        release.SetResult();
        var results = await Task.WhenAll(streams);

        // Assert
        Assert.Equal(1, reads);
        var chunks = Assert.IsAssignableFrom<IReadOnlyList<WatchResponse>>(results[0]);
        Assert.All(results, r => Assert.Same(chunks, r));
        Assert.Equal([0L, 4096L, 8192L], chunks.Select(static c => c.ModelChunk.Offset));
        Assert.All(chunks, static c => Assert.NotNull(c.EncodedBytes));
        Assert.All(chunks, static c => Assert.Equal(("v1", "abc123", 10_000L), (c.ModelChunk.Version, c.ModelChunk.Sha256, c.ModelChunk.TotalSize)));
        Assert.Equal(s_onnx, chunks.SelectMany(static c => c.ModelChunk.Data.ToByteArray()));
    }

    [Fact]
    public async Task GetAsync_ModelNotFoundOrReadFailed_NotKeptSoTheNextStreamReadsAgain()
    {
        // Arrange: would catch a relay whose file was missing at one stream's look never sending the model to any stream.
        var models = new ModelChunks();
        var ct = TestContext.Current.CancellationToken;

        // Act
        var missing = await models.GetAsync("abc123", 4096, () => Task.FromResult<(string, byte[])?>(null), ct);
        await Assert.ThrowsAsync<IOException>(() => models.GetAsync("abc123", 4096, () => throw new IOException("disk"), ct));
        var found = await models.GetAsync("abc123", 4096, () => Task.FromResult<(string, byte[])?>(("v1", s_onnx)), ct);

        // Assert
        Assert.Null(missing);
        Assert.Equal(3, found?.Count);
    }

    [Fact]
    public async Task GetAsync_AnotherModel_ReplacesTheKeptOne()
    {
        // Arrange
        var models = new ModelChunks();
        var ct = TestContext.Current.CancellationToken;
        var reads = 0;
        Task<(string, byte[])?> Read(string version)
        {
            reads++;
            return Task.FromResult<(string, byte[])?>((version, s_onnx));
        }

        // Act
        await models.GetAsync("aaa", 4096, () => Read("v1"), ct);
        var second = await models.GetAsync("bbb", 4096, () => Read("v2"), ct);
        await models.GetAsync("aaa", 4096, () => Read("v1"), ct);

        // Assert: the second model is what streams send now; the first is read again if asked.
        Assert.Equal("v2", second![0].ModelChunk.Version);
        Assert.Equal(3, reads);
    }
}
