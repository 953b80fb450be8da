using EdgeCommerce.Tests.Common.Fuzzing;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EdgeCommerce.Origin.Tests.Fuzzing;

/// <summary>
/// Protobuf mutations on top of <see cref="Mutator"/>: set fields (nested and repeated too) to
/// boundary numbers (NaN and infinities for floating point) and nasty strings, or flip bytes of the encoding and keep the mutant when it
/// still decodes (what reaches a handler).
/// </summary>
internal static class ProtoMutator
{
    private static readonly double[] s_doubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.Epsilon, -1, -0.0, 1e300];

    public static T Mutate<T>(Mutator mutator, T valid, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var message = valid.Clone();
        if (mutator.Next(3) == 0)
        {
            var bytes = message.ToByteArray();
            for (var i = 0; i < 1 + mutator.Next(3) && bytes.Length > 0; i++)
            {
                bytes[mutator.Next(bytes.Length)] ^= (byte)(1 << mutator.Next(8));
            }

            try
            {
                return parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                // Not decodable: mutate fields instead.
            }
        }

        for (var i = 0; i < 1 + mutator.Next(3); i++)
        {
            MutateField(mutator, message);
        }

        return message;
    }

    /// <summary>
    /// Raw-byte mutants of an encoding, kept whether or not they still decode (what a raw marshaller
    /// puts on the wire): bit flips, truncation, random bytes inserted, a slice repeated.
    /// </summary>
    public static byte[] MutateBytes(Mutator mutator, byte[] bytes)
    {
        for (var i = 0; i < 1 + mutator.Next(3); i++)
        {
            var at = mutator.Next(bytes.Length + 1);
            var repeated = mutator.Next(at + 1);
            bytes = mutator.Next(4) switch
            {
                0 when bytes.Length > 0 => FlipBit(mutator, bytes),
                1 => bytes[..at],
                2 => [.. bytes.AsSpan(0, at), .. RandomBytes(mutator, 1 + mutator.Next(8)), .. bytes.AsSpan(at)],
                _ => [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at - repeated, repeated), .. bytes.AsSpan(at)],
            };
        }

        return bytes;
    }

    private static byte[] FlipBit(Mutator mutator, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[mutator.Next(copy.Length)] ^= (byte)(1 << mutator.Next(8));
        return copy;
    }

    private static byte[] RandomBytes(Mutator mutator, int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)mutator.Next(256);
        }

        return bytes;
    }

    private static void MutateField(Mutator mutator, IMessage message)
    {
        var fields = message.Descriptor.Fields.InFieldNumberOrder();
        var field = fields[mutator.Next(fields.Count)];
        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)field.Accessor.GetValue(message);
            if (list.Count > 0 && field.FieldType == FieldType.Message && mutator.Next(2) == 0)
            {
                MutateField(mutator, (IMessage)list[mutator.Next(list.Count)]!);
            }
            else if (list.Count > 0)
            {
                // Many copies of one element: a large batch.
                var item = list[0];
                for (var i = 0; i < mutator.Next(2_000); i++)
                {
                    list.Add(item is IMessage nested ? nested.Descriptor.Parser.ParseFrom(nested.ToByteString()) : item);
                }
            }

            return;
        }

        object? value = field.FieldType switch
        {
            FieldType.String => mutator.NastyString(),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => mutator.NastyInt64(),
            FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)mutator.NastyInt64()),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => unchecked((int)mutator.NastyInt64()),
            FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)mutator.NastyInt64()),
            FieldType.Bool => mutator.Next(2) == 0,
            FieldType.Double => mutator.Pick(s_doubles),
            FieldType.Float => (float)mutator.Pick(s_doubles),
            FieldType.Bytes => ByteString.CopyFrom(new byte[mutator.Next(4_096)]),
            FieldType.Message => null,
            _ => null,
        };
        if (field.FieldType == FieldType.Message)
        {
            if (field.Accessor.GetValue(message) is IMessage nested && mutator.Next(2) == 0)
            {
                MutateField(mutator, nested);
            }
            else
            {
                field.Accessor.Clear(message);
            }

            return;
        }

        if (value is not null)
        {
            field.Accessor.SetValue(message, value);
        }
    }
}
