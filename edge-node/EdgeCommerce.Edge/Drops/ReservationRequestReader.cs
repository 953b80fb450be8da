using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Edge.Drops;

internal enum ReservationBodyStatus
{
    Valid,
    /// <summary>Not JSON (400).</summary>
    Malformed,
    /// <summary>Over <see cref="ReservationRequestReader.MaxBytes"/> (413).</summary>
    TooLarge,
    /// <summary>JSON, but not a valid reservation (422, with <see cref="ReservationBody.Errors"/>).</summary>
    Invalid,
}

internal readonly record struct ReservationBody(ReservationBodyStatus Status, string SkuId = "", int Quantity = 0, Dictionary<string, string[]>? Errors = null);

/// <summary>
/// Reads <c>{"skuId": "...", "quantity": n}</c> straight from the request's pipe with
/// <see cref="Utf8JsonReader"/>: no stream wrapper, no <see cref="JsonDocument"/> and no clone of
/// it, and no error dictionary unless there is an error (the reservation path is the hot one of a
/// drop). It answers 400 for anything that is not one JSON value (depth at most 4), 413 past
/// 4 KiB, 422 naming every field that is wrong, unknown or repeated.
/// </summary>
internal static class ReservationRequestReader
{
    public const int MaxBytes = 4096;

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 4 };

    public static async ValueTask<ReservationBody> ReadAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length > MaxBytes)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                return new ReservationBody(ReservationBodyStatus.TooLarge);
            }

            if (read.IsCompleted)
            {
                try
                {
                    return Parse(buffer);
                }
                finally
                {
                    body.AdvanceTo(buffer.End);
                }
            }

            // Not all of it yet: look at everything again once more has arrived.
            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    internal static ReservationBody Parse(ReadOnlySequence<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(s_options));
        try
        {
            var result = ParseValue(ref reader);
            // One value only: anything after it but whitespace is malformed (Read throws).
            while (reader.Read())
            {
            }

            return result;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            return new ReservationBody(ReservationBodyStatus.Malformed);
        }
    }

    private static ReservationBody ParseValue(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("No JSON value.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return Invalid(new() { ["$"] = ["must be a JSON object with 'skuId' and 'quantity'"] });
        }

        string? skuId = null;
        int? quantity = null;
        Dictionary<string, string[]>? errors = null;
        var skuSeen = false;
        var quantitySeen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("skuId"u8))
            {
                reader.Read();
                if (skuSeen)
                {
                    Add(ref errors, "skuId", "appears more than once");
                }
                else if (reader.TokenType == JsonTokenType.String && reader.GetString() is var value && Identifiers.IsValid(value))
                {
                    skuId = value;
                }
                else
                {
                    Add(ref errors, "skuId", Identifiers.Rule);
                }

                skuSeen = true;
            }
            else if (reader.ValueTextEquals("quantity"u8))
            {
                reader.Read();
                if (quantitySeen)
                {
                    Add(ref errors, "quantity", "appears more than once");
                }
                else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var q) && q is >= 1 and <= 100)
                {
                    quantity = q;
                }
                else
                {
                    Add(ref errors, "quantity", "must be a whole number from 1 to 100");
                }

                quantitySeen = true;
            }
            else
            {
                var name = reader.GetString()!;
                reader.Read();
                Add(ref errors, name, "is not a known field");
            }

            // Step over an object or array value (validating it); scalars are one token.
            reader.Skip();
        }

        if (!skuSeen)
        {
            Add(ref errors, "skuId", "is required");
        }

        if (!quantitySeen)
        {
            Add(ref errors, "quantity", "is required");
        }

        return errors is null ? new ReservationBody(ReservationBodyStatus.Valid, skuId!, quantity!.Value) : Invalid(errors);
    }

    private static ReservationBody Invalid(Dictionary<string, string[]> errors) => new(ReservationBodyStatus.Invalid, Errors: errors);

    /// <summary>Sets the field's message; a later problem with the same field replaces an earlier one, as before.</summary>
    private static void Add(ref Dictionary<string, string[]>? errors, string field, string message)
        => (errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal))[field] = [message];
}
