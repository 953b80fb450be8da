using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EdgeCommerce.ServiceDefaults.Http;

/// <summary>
/// The network a request comes from, as a value a limit can be keyed on: an IPv4 address (also
/// when it arrives IPv4-mapped), or an IPv6 address's /64, because one subscriber is routinely
/// given a whole /64 and could otherwise be 2^64 clients.
/// </summary>
public static class ClientAddress
{
    /// <summary>The key of a connection without an IP address (in-process test servers, Unix sockets).</summary>
    public static readonly UInt128 Local = UInt128.Zero;

    /// <summary>No allocation: the address is copied to the stack.</summary>
    public static UInt128 KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return Local;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // ::ffff:a.b.c.d: the last four bytes are the IPv4 address.
                _ = address.TryWriteBytes(bytes, out _);
                return new UInt128(0xFFFF, BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
            }

            _ = address.TryWriteBytes(bytes, out _);
            return new UInt128(0xFFFF, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.TryWriteBytes(bytes, out _))
        {
            // The /64 only; 0xFFFF in the upper half is not a global unicast prefix, so no IPv6 /64 collides with an IPv4 key.
            return new UInt128(BinaryPrimitives.ReadUInt64BigEndian(bytes), 1);
        }

        return Local;
    }
}
