using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Recommendations.Tests;

/// <summary>Models arriving through the replica's writer, as the sync stream delivers them.</summary>
public sealed class ModelActivatorTests
{
    private static IEnumerable<ModelChunk> Chunks(EdgeCommerce.Recommendations.Training.TrainedRecommender model, int size)
    {
        for (var offset = 0; offset < model.Onnx.Length; offset += size)
        {
            yield return new ModelChunk
            {
                Version = model.Version,
                Sha256 = model.Sha256,
                TotalSize = model.Onnx.Length,
                Offset = offset,
                Data = ByteString.CopyFrom(model.Onnx, offset, Math.Min(size, model.Onnx.Length - offset)),
            };
        }
    }

    private static Change Activation(long revision, EdgeCommerce.Recommendations.Training.TrainedRecommender model, string? sha256 = null)
        => new() { Revision = revision, ModelActivated = new ModelActivation { Version = model.Version, Sha256 = sha256 ?? model.Sha256, Size = model.Onnx.Length } };

    [Fact]
    public async Task ApplyBatch_ChunksThenActivation_ModelServes()
    {
        // Arrange
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        await edge.ApplySnapshotAsync([RecommenderModels.Catalog(RecommenderModels.CreatorA)], TestContext.Current.CancellationToken);
        foreach (var chunk in Chunks(RecommenderModels.V1, 1000))
        {
            edge.Updater.AddModelChunk(chunk);
        }

        // Act
        var previous = edge.Holder.Current.Revision;
        await edge.Updater.ApplyBatchAsync(CatalogData.Batch(previous, previous + 1, Activation(previous + 1, RecommenderModels.V1)), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal("v1", edge.Services.GetRequiredService<ModelHolder>().CurrentVersion);
        Assert.Equal("v1", edge.Holder.Current.Model?.Version);
    }

    [Fact]
    public async Task ApplyBatch_ActivationWhoseBytesHashDifferently_RefusedAndPreviousModelKeepsServing()
    {
        // Arrange: v1 active; v2's chunks arrive but the activation names another hash (a corrupt transfer).
        await using var edge = new EdgeApiFixture();
        await edge.InitializeAsync();
        await edge.ApplySnapshotAsync([RecommenderModels.Catalog(RecommenderModels.CreatorA)], TestContext.Current.CancellationToken);
        foreach (var chunk in Chunks(RecommenderModels.V1, 4096))
        {
            edge.Updater.AddModelChunk(chunk);
        }

        var revision = edge.Holder.Current.Revision;
        await edge.Updater.ApplyBatchAsync(CatalogData.Batch(revision, revision + 1, Activation(revision + 1, RecommenderModels.V1)), TestContext.Current.CancellationToken);
        var corrupt = RecommenderModels.V2.Onnx.ToArray();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        var corruptChunk = new ModelChunk { Version = "v2", Sha256 = RecommenderModels.V2.Sha256, TotalSize = corrupt.Length, Offset = 0, Data = ByteString.CopyFrom(corrupt) };
        edge.Updater.AddModelChunk(corruptChunk);

        // Act
        await edge.Updater.ApplyBatchAsync(CatalogData.Batch(revision + 1, revision + 2, Activation(revision + 2, RecommenderModels.V2)), TestContext.Current.CancellationToken);

        // Assert: the replica moved on (the change is applied), the model did not; the reason is logged.
        Assert.Equal(revision + 2, edge.Holder.Current.Revision);
        Assert.Equal("v1", edge.Services.GetRequiredService<ModelHolder>().CurrentVersion);
        Assert.Contains(edge.LogEvents, static e => e.EventId == 1701);
    }
}
