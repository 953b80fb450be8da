using System.Security.Cryptography;
using EdgeCommerce.Edge.Drops.Admission;

namespace EdgeCommerce.Edge.Tests.Drops.Admission;

/// <summary>
/// Queue tickets signed with a key every edge shares check on any edge (so a viewer moved off a
/// dead edge keeps their place), say when the viewer joined and whether this process signed them;
/// with each edge's own key they check only where they were issued.
/// </summary>
public sealed class QueueTicketsTests
{
    private static readonly DateTimeOffset s_joinedAt = new(2026, 12, 1, 20, 0, 7, 250, TimeSpan.Zero);

    [Fact]
    public void TryRead_SharedKey_ChecksOnAnotherEdgeWithItsJoinTimeAndNotAsItsOwn()
    {
        // Arrange
        var key = RandomNumberGenerator.GetBytes(32);
        var edgeA = new QueueTickets(key);
        var edgeB = new QueueTickets(key);
        var id = Guid.NewGuid();
        var ticket = edgeA.Issue(id, s_joinedAt, "d1", "c1", "viewer-a");

        // Act
        var onA = edgeA.TryRead(ticket, "d1", "c1", "viewer-a", out var claimsOnA);
        var onB = edgeB.TryRead(ticket, "d1", "c1", "viewer-a", out var claimsOnB);
        var otherViewer = edgeB.TryRead(ticket, "d1", "c1", "viewer-b", out _);
        var otherDrop = edgeB.TryRead(ticket, "d2", "c1", "viewer-a", out _);
        var ownKey = new QueueTickets().TryRead(ticket, "d1", "c1", "viewer-a", out _);

        // Assert
        Assert.Equal(QueueTickets.Length, ticket.Length);
        Assert.Equal((true, new QueueTicketClaims(id, s_joinedAt, Mine: true)), (onA, claimsOnA));
        Assert.Equal((true, new QueueTicketClaims(id, s_joinedAt, Mine: false)), (onB, claimsOnB));
        Assert.False(otherViewer);
        Assert.False(otherDrop);
        Assert.False(ownKey);
    }

    [Fact]
    public void LoadKey_MissingShortOrNotBase64_RefusedAndNoPathMeansOwnKey()
    {
        // Arrange
        var directory = Directory.CreateTempSubdirectory("ticket-key-");
        try
        {
            var good = Path.Combine(directory.FullName, "good");
            var shortKey = Path.Combine(directory.FullName, "short");
            var garbage = Path.Combine(directory.FullName, "garbage");
            var bytes = RandomNumberGenerator.GetBytes(32);
            File.WriteAllText(good, Convert.ToBase64String(bytes) + "\n");
            File.WriteAllText(shortKey, Convert.ToBase64String(new byte[16]));
            File.WriteAllText(garbage, "not base64 at all!");

            // Act + Assert
            Assert.Equal(bytes, QueueTickets.LoadKey(good));
            Assert.Null(QueueTickets.LoadKey(null));
            Assert.True(QueueTickets.TryLoadKey("", out var none) && none is null);
            foreach (var bad in new[] { shortKey, garbage, Path.Combine(directory.FullName, "missing") })
            {
                Assert.False(QueueTickets.TryLoadKey(bad, out _));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
