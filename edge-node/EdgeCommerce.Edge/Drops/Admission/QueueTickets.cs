using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCommerce.Edge.Drops.Admission;

/// <summary>What a ticket that checks says: its id, when its viewer joined the line, and whether this edge process signed it.</summary>
internal readonly record struct QueueTicketClaims(Guid Id, DateTimeOffset JoinedAt, bool Mine);

/// <summary>
/// Signs and checks queue tickets:
/// <c>base64url(id ‖ joinedAt ‖ issuer ‖ HMAC-SHA256(key, "q2" ‖ id ‖ joinedAt ‖ issuer ‖ drop ‖ creator ‖ viewer))</c>,
/// 86 characters. The id is 16 random bytes, <c>joinedAt</c> the Unix milliseconds the viewer
/// joined the line (8 bytes), <c>issuer</c> 8 random bytes naming the edge process that signed it.
/// The drop, the creator and the viewer are not in the ticket (nothing about the viewer can be
/// read from it) but are bound by the MAC, so a ticket checks only for the token and drop it was
/// issued to: forged, tampered, another viewer's or another drop's tickets all fail the same way.
/// </summary>
/// <remarks>
/// With <see cref="AdmissionOptions.TicketKeyPath"/> every edge of a deployment shares the key, so
/// a ticket checks on any of them and a viewer moved off a dead edge (or across a restart) keeps
/// the place its join time gives it (<see cref="MovedTicket"/>). Without it the key is 32 bytes
/// from the CSPRNG, made when the edge starts: tickets then check only on the edge that signed
/// them. The key is never logged.
/// </remarks>
internal sealed class QueueTickets
{
    public const int IdBytes = 16;
    private const int TimeBytes = 8;
    private const int IssuerBytes = 8;
    private const int MacBytes = 32;
    private const int RawBytes = IdBytes + TimeBytes + IssuerBytes + MacBytes;
    private const int SignedBytes = IdBytes + TimeBytes + IssuerBytes;
    public const int Length = ((RawBytes * 4) + 2) / 3;

    private readonly byte[] _key;
    private readonly long _issuer = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(IssuerBytes));

    /// <param name="key">The key every edge shares (at least 32 bytes), or null for one of this process's own.</param>
    public QueueTickets(byte[]? key = null)
    {
        if (key is { Length: < 32 })
        {
            throw new ArgumentException("A queue ticket key has at least 32 bytes.", nameof(key));
        }

        _key = key ?? RandomNumberGenerator.GetBytes(32);
    }

    public string Issue(Guid id, DateTimeOffset joinedAt, string dropId, string creatorId, string viewer)
    {
        Span<byte> raw = stackalloc byte[RawBytes];
        id.TryWriteBytes(raw[..IdBytes]);
        BinaryPrimitives.WriteInt64BigEndian(raw[IdBytes..], joinedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(raw[(IdBytes + TimeBytes)..], _issuer);
        Mac(raw[..SignedBytes], dropId, creatorId, viewer, raw[SignedBytes..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>The ticket's claims when it was signed with this key for exactly this drop, creator and viewer.</summary>
    public bool TryRead(string? ticket, string dropId, string creatorId, string viewer, out QueueTicketClaims claims)
    {
        claims = default;
        if (ticket is null || ticket.Length != Length)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[RawBytes];
        if (Base64Url.DecodeFromChars(ticket, raw, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != ticket.Length || written != raw.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(raw[..SignedBytes], dropId, creatorId, viewer, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[SignedBytes..]))
        {
            return false;
        }

        var joinedAt = BinaryPrimitives.ReadInt64BigEndian(raw[IdBytes..]);
        if (joinedAt < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || joinedAt > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        claims = new QueueTicketClaims(new Guid(raw[..IdBytes]), DateTimeOffset.FromUnixTimeMilliseconds(joinedAt),
            BinaryPrimitives.ReadInt64BigEndian(raw[(IdBytes + TimeBytes)..]) == _issuer);
        return true;
    }

    private void Mac(ReadOnlySpan<byte> signed, string dropId, string creatorId, string viewer, Span<byte> destination)
    {
        // Length-prefixed fields: ("ab", "c") and ("a", "bc") never sign the same bytes.
        var size = 2 + SignedBytes + (3 * 4) + Encoding.UTF8.GetByteCount(dropId) + Encoding.UTF8.GetByteCount(creatorId) + Encoding.UTF8.GetByteCount(viewer);
        var buffer = size <= 512 ? stackalloc byte[size] : new byte[size];
        var at = 0;
        buffer[at++] = (byte)'q';
        buffer[at++] = (byte)'2';
        signed.CopyTo(buffer[at..]);
        at += SignedBytes;
        foreach (var field in (ReadOnlySpan<string>)[dropId, creatorId, viewer])
        {
            var length = Encoding.UTF8.GetBytes(field, buffer[(at + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(buffer[at..], length);
            at += 4 + length;
        }

        HMACSHA256.HashData(_key, buffer[..at], destination);
    }

    /// <summary>Whether <see cref="LoadKey"/> would succeed (for the options' validation at start).</summary>
    public static bool TryLoadKey(string? path, out byte[]? key)
    {
        try
        {
            key = LoadKey(path);
            return true;
        }
        catch (InvalidOperationException)
        {
            key = null;
            return false;
        }
    }

    /// <summary>
    /// The shared key in <paramref name="path"/> (base64 of at least 32 bytes), null when no path is
    /// set; throws when a path is set but holds no usable key (the edge must not start with tickets
    /// that silently stop checking on the other edges).
    /// </summary>
    public static byte[]? LoadKey(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var text = Contracts.SecretFile.TryRead(path) ?? throw new InvalidOperationException($"The queue ticket key file {path} does not exist or is empty.");
        var key = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, key, out var written) && written >= 32
            ? key[..written]
            : throw new InvalidOperationException($"The queue ticket key file {path} does not hold base64 of at least 32 bytes.");
    }
}
