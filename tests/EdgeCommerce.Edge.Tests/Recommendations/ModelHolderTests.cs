using EdgeCommerce.Edge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Edge.Recommendations.Tests;

public sealed class ModelHolderTests
{
    [Fact]
    public void Activate_GoodModel_ServesItsVersion()
    {
        // Arrange
        var logger = new ListLogger<ModelHolder>();
        using var holder = new ModelHolder(logger);
        var v1 = RecommenderModels.V1;

        // Act
        var result = holder.Activate(v1.Version, v1.Onnx, v1.Sha256);

        // Assert
        Assert.Equal(ModelActivationResult.Activated, result);
        using var lease = holder.Acquire();
        Assert.Equal("v1", lease.Model?.Version);
        Assert.Contains(logger.Entries, static e => e.EventId == 1700);
    }

    [Fact]
    public void Activate_CorruptBytesWithMatchingHash_RejectedWithReasonAndOldKeepsServing()
    {
        // Arrange: v1 active; then bytes that are not a model, announced with their own (matching) hash.
        var logger = new ListLogger<ModelHolder>();
        using var holder = new ModelHolder(logger);
        var v1 = RecommenderModels.V1;
        holder.Activate(v1.Version, v1.Onnx, v1.Sha256);
        var corrupt = v1.Onnx[..(v1.Onnx.Length / 2)];
        var corruptHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(corrupt));

        // Act
        var result = holder.Activate("v2", corrupt, corruptHash);

        // Assert
        Assert.Equal(ModelActivationResult.Invalid, result);
        Assert.Contains(logger.Entries, static e => e.EventId == 1701 && e.Level == LogLevel.Warning);
        using var lease = holder.Acquire();
        Assert.Equal("v1", lease.Model?.Version);
        var scores = new float[2];
        lease.Model!.Score([1f, .. new float[lease.Model.Description.ViewerDimension - 1]], [0, 1], scores);
        Assert.All(scores, static s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void Activate_HashMismatch_RejectedBeforeLoading()
    {
        // Arrange: v2's bytes announced with v1's hash (a mismatched or tampered transfer).
        var logger = new ListLogger<ModelHolder>();
        using var holder = new ModelHolder(logger);
        holder.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);

        // Act
        var result = holder.Activate("v2", RecommenderModels.V2.Onnx, RecommenderModels.V1.Sha256);

        // Assert
        Assert.Equal(ModelActivationResult.HashMismatch, result);
        Assert.Equal("v1", holder.CurrentVersion);
        Assert.Contains(logger.Entries, static e => e.EventId == 1701);
    }

    [Fact]
    public void Activate_VersionDiffersFromTheModelsOwn_Rejected()
    {
        using var holder = new ModelHolder(new ListLogger<ModelHolder>());
        var v1 = RecommenderModels.V1;
        Assert.Equal(ModelActivationResult.Invalid, holder.Activate("v9", v1.Onnx, v1.Sha256));
        Assert.Null(holder.CurrentVersion);
    }

    [Fact]
    public void Activate_NewVersion_OldSessionDisposedOnlyAfterInFlightLeaseEnds()
    {
        // Arrange: a request holds a lease on v1 (an inference in flight).
        using var holder = new ModelHolder(new ListLogger<ModelHolder>());
        holder.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        var inFlight = holder.Acquire();
        var old = inFlight.Model!;

        // Act: v2 swaps in while v1 is still in use.
        holder.Activate(RecommenderModels.V2.Version, RecommenderModels.V2.Onnx, RecommenderModels.V2.Sha256);

        // Assert: new requests get v2; the in-flight call can still score with v1; v1 goes when it ends.
        using (var next = holder.Acquire())
        {
            Assert.Equal("v2", next.Model?.Version);
        }

        Assert.False(old.IsDisposed);
        var scores = new float[1];
        old.Score([1f, .. new float[old.Description.ViewerDimension - 1]], [0], scores);
        Assert.True(float.IsFinite(scores[0]));
        inFlight.Dispose();
        Assert.True(old.IsDisposed);
    }

    [Fact]
    public void Score_AfterWarmUp_AllocatesNothing()
    {
        // Arrange
        using var holder = new ModelHolder(new ListLogger<ModelHolder>());
        holder.Activate(RecommenderModels.V1.Version, RecommenderModels.V1.Onnx, RecommenderModels.V1.Sha256);
        using var lease = holder.Acquire();
        var model = lease.Model!;
        var viewer = new float[model.Description.ViewerDimension];
        viewer[0] = 1;
        long[] rows = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        var scores = new float[rows.Length];
        model.Score(viewer, rows, scores);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            model.Score(viewer, rows, scores);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert: buffers are bound once; a call allocates no managed memory.
        Assert.Equal(0, allocated);
    }
}
