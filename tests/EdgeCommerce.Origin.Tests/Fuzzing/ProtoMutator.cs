using EdgeCommerce.Tests.Common.Fuzzing;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EdgeCommerce.Origin.Tests.Fuzzing;

/// <summary>
/// Protobuf mutations on top of <see cref="Mutator"/>: set fields (nested and repeated too) to
/// boundary numbers and nasty strings, or flip bytes of the encoding and keep the mutant when it
/// still decodes (what reaches a handler).
/// </summary>
internal static class ProtoMutator
{
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
