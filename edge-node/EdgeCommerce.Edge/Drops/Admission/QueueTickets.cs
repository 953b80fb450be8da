using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>
/// Signs and checks queue tickets: <c>base64url(id ‖ HMAC-SHA256(key, "q1" ‖ drop ‖ creator ‖ viewer ‖ id))</c>,
/// 64 characters. The id is 16 random bytes; the drop, the creator and the viewer are not in the
/// ticket (nothing about the viewer can be read from it) but are bound by the MAC, so a ticket
/// checks only for the token and drop it was issued to: forged, tampered, another viewer's or
/// another drop's tickets all fail the same way.
/// </summary>
/// <remarks>
/// The key is 32 bytes from the CSPRNG, made when the edge starts and never stored or logged.
/// Per edge on purpose: the waiting room itself (order, passes) lives in this edge's memory, so a
/// ticket could not keep its place on another edge or after a restart even if that edge could
/// check it; an unknown ticket is answered 404 and the browser joins again (see docs/architecture.md).
/// </remarks>
internal sealed class QueueTickets
{
    public const int IdBytes = 16;
    private const int MacBytes = 32;
    public const int Length = (IdBytes + MacBytes) * 4 / 3;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Issue(Guid id, string dropId, string creatorId, string viewer)
    {
        Span<byte> raw = stackalloc byte[IdBytes + MacBytes];
        id.TryWriteBytes(raw[..IdBytes]);
        Mac(raw[..IdBytes], dropId, creatorId, viewer, raw[IdBytes..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>The ticket's id when it was issued by this edge for exactly this drop, creator and viewer.</summary>
    public bool TryRead(string? ticket, string dropId, string creatorId, string viewer, out Guid id)
    {
        id = Guid.Empty;
        if (ticket is null || ticket.Length != Length)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[IdBytes + MacBytes];
        if (Base64Url.DecodeFromChars(ticket, raw, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != ticket.Length || written != raw.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(raw[..IdBytes], dropId, creatorId, viewer, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[IdBytes..]))
        {
            return false;
        }

        id = new Guid(raw[..IdBytes]);
        return true;
    }

    private void Mac(ReadOnlySpan<byte> id, string dropId, string creatorId, string viewer, Span<byte> destination)
    {
        // Length-prefixed fields: ("ab", "c") and ("a", "bc") never sign the same bytes.
        var size = 2 + IdBytes + (3 * 4) + Encoding.UTF8.GetByteCount(dropId) + Encoding.UTF8.GetByteCount(creatorId) + Encoding.UTF8.GetByteCount(viewer);
        var buffer = size <= 512 ? stackalloc byte[size] : new byte[size];
        var at = 0;
        buffer[at++] = (byte)'q';
        buffer[at++] = (byte)'1';
        id.CopyTo(buffer[at..]);
        at += IdBytes;
        foreach (var field in (ReadOnlySpan<string>)[dropId, creatorId, viewer])
        {
            var length = Encoding.UTF8.GetBytes(field, buffer[(at + 4)..]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer[at..], length);
            at += 4 + length;
        }

        HMACSHA256.HashData(_key, buffer[..at], destination);
    }
}
