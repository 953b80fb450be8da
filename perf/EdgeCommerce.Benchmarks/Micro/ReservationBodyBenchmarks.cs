using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using EdgeCommerce.Contracts;
using EdgeCommerce.Edge.Drops;

namespace EdgeCommerce.Benchmarks.Micro;

/// <summary>
/// Reading a reservation's body, the edge's drop hot path: the DOM reader it used before
/// (<see cref="JsonDocument.ParseAsync(Stream, JsonDocumentOptions, CancellationToken)"/> over a
/// stream, <c>RootElement.Clone()</c>, an error dictionary per request; kept here as the
/// baseline) against <see cref="ReservationRequestReader"/> (<see cref="Utf8JsonReader"/> over the
/// request pipe). Each call gets the body through a fresh pipe (as Kestrel hands it over).
/// </summary>
[MemoryDiagnoser]
public class ReservationBodyBenchmarks
{
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes("""{"skuId":"nova-hoodie-01-m","quantity":1}""");
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 4 };

    [Benchmark(Baseline = true)]
    public async Task<int> JsonDocumentAndClone()
    {
        var pipe = Filled();
        JsonElement body;
        using (var document = await JsonDocument.ParseAsync(pipe.AsStream(), s_documentOptions, CancellationToken.None))
        {
            body = document.RootElement.Clone();
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? skuId = null;
        var quantity = 0;
        foreach (var property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "skuId" when property.Value.ValueKind == JsonValueKind.String && Identifiers.IsValid(property.Value.GetString()):
                    skuId = property.Value.GetString();
                    break;
                case "quantity" when property.Value.TryGetInt32(out var q):
                    quantity = q;
                    break;
                default:
                    errors[property.Name] = ["is not a known field"];
                    break;
            }
        }

        return errors.Count == 0 && skuId is not null ? quantity : -1;
    }

    [Benchmark]
    public async Task<int> Utf8JsonReaderOverThePipe()
    {
        var pipe = Filled();
        var body = await ReservationRequestReader.ReadAsync(pipe, CancellationToken.None);
        return body.Status == ReservationBodyStatus.Valid ? body.Quantity : -1;
    }

    private static PipeReader Filled() => PipeReader.Create(new ReadOnlySequence<byte>(s_body));
}
