using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The model registry and interaction log, on every store.</summary>
public abstract partial class OriginStoreContractTests
{
    [Fact]
    public async Task ActivateModelAsync_RegisteredModel_OneRevisionCarryingTheActivation()
    {
        // Arrange
        var signal = new RevisionSignal();
        var store = await OpenStoreAsync(signal);
        var onnx = new byte[] { 1, 2, 3, 4, 5 };
        var model = new ModelRecord("m-1", "ab12", onnx, """{"auc":0.8}""", Time.GetUtcNow());

        // Act
        var added = await store.AddModelAsync(model, CancellationToken);
        var duplicate = await store.AddModelAsync(model with { Sha256 = "other" }, CancellationToken);
        var revision = await store.ActivateModelAsync("m-1", [9, 9], CancellationToken);

        // Assert: registered once; the activation is the next revision, in the change log with its payload.
        Assert.True(added);
        Assert.False(duplicate);
        Assert.Equal(1, revision);
        Assert.Equal(1, signal.Head);
        var change = Assert.Single(await store.ReadChangesAsync(0, 10, CancellationToken));
        Assert.Equal(ChangeKind.ModelActivated, change.Kind);
        Assert.Equal([9, 9], change.Payload);
        var active = await store.GetActiveModelAsync(CancellationToken);
        Assert.Equal("m-1", active?.Version);
        Assert.Equal(onnx, active?.Onnx);
        Assert.Equal("ab12", active?.Sha256);
        var listed = Assert.Single(await store.ListModelsAsync(CancellationToken));
        Assert.Equal((5L, 1L, """{"auc":0.8}"""), (listed.Size, listed.ActivatedRevision, listed.MetricsJson));
    }

    [Fact]
    public async Task ActivateModelAsync_LaterActivationOfAnOlderModel_MakesItActiveAgain()
    {
        var store = await OpenStoreAsync(new RevisionSignal());
        await store.AddModelAsync(new ModelRecord("m-1", "a", [1], "{}", Time.GetUtcNow()), CancellationToken);
        await store.AddModelAsync(new ModelRecord("m-2", "b", [2], "{}", Time.GetUtcNow()), CancellationToken);
        await store.ActivateModelAsync("m-1", [1], CancellationToken);
        await store.ActivateModelAsync("m-2", [2], CancellationToken);

        var rollback = await store.ActivateModelAsync("m-1", [1], CancellationToken);

        Assert.Equal(3, rollback);
        Assert.Equal("m-1", (await store.GetActiveModelAsync(CancellationToken))?.Version);
    }

    [Fact]
    public async Task ActivateModelAsync_UnknownVersion_NullAndNoRevision()
    {
        var store = await OpenStoreAsync(new RevisionSignal());

        var revision = await store.ActivateModelAsync("missing", [1], CancellationToken);

        Assert.Null(revision);
        Assert.Equal(0, await store.GetHeadRevisionAsync(CancellationToken));
        Assert.Null(await store.GetActiveModelAsync(CancellationToken));
    }

    [Fact]
    public async Task Interactions_RetentionAndViewerDeletion_RemoveExactlyWhatTheyName()
    {
        // Arrange: two viewers over three days.
        var store = await OpenStoreAsync(new RevisionSignal());
        var day = Time.GetUtcNow();
        await store.AppendInteractionsAsync(
        [
            new InteractionRecord("v-1", "c", "p-1", 0, day),
            new InteractionRecord("v-2", "c", "p-2", 1, day + TimeSpan.FromDays(1)),
            new InteractionRecord("v-1", "c", "p-3", 4, day + TimeSpan.FromDays(2)),
            new InteractionRecord("v-2", "c", "p-1", 2, day + TimeSpan.FromDays(2)),
        ], CancellationToken);

        // Act
        var expired = await store.DeleteInteractionsBeforeAsync(day + TimeSpan.FromDays(1), CancellationToken);
        var forgotten = await store.DeleteViewerInteractionsAsync("v-2", CancellationToken);
        var left = await store.ReadInteractionsAsync(DateTimeOffset.UnixEpoch, 100, CancellationToken);

        // Assert: interactions do not move the revision; retention and the viewer's deletion each remove theirs only.
        Assert.Equal(1, expired);
        Assert.Equal(2, forgotten);
        var only = Assert.Single(left);
        Assert.Equal(new InteractionRecord("v-1", "c", "p-3", 4, day + TimeSpan.FromDays(2)), only);
        Assert.Equal(0, await store.GetHeadRevisionAsync(CancellationToken));
    }
}
