using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using static EdgeCommerce.Edge.Tests.Infrastructure.CatalogData;

namespace EdgeCommerce.Edge.Tests.Sync;

/// <summary>Chunked snapshots; a chunk without a beginning is the worker's to refuse (see <see cref="SyncWorkerTests"/>).</summary>
public sealed class SnapshotAssemblyTests
{
    [Fact]
    public void Complete_ChunksMatchingBeginAndEnd_ReturnsEveryCreatorInOrder()
    {
        // Arrange
        var assembly = new SnapshotAssembly(new SnapshotBegin { Revision = 9, Creators = 3 });
        assembly.Add(new SnapshotChunk { Creators = { CatalogOf("a", 3, "p1"), CatalogOf("b", 9, "p2") } });
        assembly.Add(new SnapshotChunk { Creators = { CatalogOf("c", 5, "p3") } });

        // Act
        var snapshot = assembly.Complete(new SnapshotEnd { Revision = 9, Creators = 3 });

        // Assert
        Assert.Equal(9, snapshot.Revision);
        Assert.Equal(["a", "b", "c"], snapshot.Creators.Select(static c => c.CreatorId));
    }

    [Fact]
    public void Complete_EmptySnapshot_ReturnsNoCreators()
    {
        // Arrange: an origin with no catalogs sends begin and end only.
        var assembly = new SnapshotAssembly(new SnapshotBegin { Revision = 0, Creators = 0 });

        // Act
        var snapshot = assembly.Complete(new SnapshotEnd { Revision = 0, Creators = 0 });

        // Assert
        Assert.Equal(0, snapshot.Revision);
        Assert.Empty(snapshot.Creators);
    }

    [Fact]
    public void Add_MoreCreatorsThanAnnounced_Throws()
    {
        // Arrange
        var assembly = new SnapshotAssembly(new SnapshotBegin { Revision = 9, Creators = 2 });
        assembly.Add(new SnapshotChunk { Creators = { CatalogOf("a", 3, "p1") } });

        // Act
        var error = Assert.Throws<ReplicaApplyException>(() => assembly.Add(new SnapshotChunk { Creators = { CatalogOf("b", 4, "p2"), CatalogOf("c", 5, "p3") } }));

        // Assert
        Assert.Contains("2 creators", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10L, 2, 2)] // ends at another revision
    [InlineData(9L, 3, 2)] // ends claiming another count
    [InlineData(9L, 2, 1)] // a chunk went missing
    public void Complete_EndNotMatchingBeginOrChunks_Throws(long endRevision, int endCreators, int sent)
    {
        // Arrange
        var assembly = new SnapshotAssembly(new SnapshotBegin { Revision = 9, Creators = 2 });
        foreach (var id in new[] { "a", "b" }.Take(sent))
        {
            assembly.Add(new SnapshotChunk { Creators = { CatalogOf(id, 4, "p1") } });
        }

        // Act
        var error = Assert.Throws<ReplicaApplyException>(() => assembly.Complete(new SnapshotEnd { Revision = endRevision, Creators = endCreators }));

        // Assert
        Assert.Contains("revision 9", error.Message, StringComparison.Ordinal);
    }
}
