using System.Buffers;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Tests.Common.Fuzzing;

namespace EdgeCommerce.Edge.Tests.Fuzzing;

/// <summary>
/// Seeded mutation fuzzing of the edge's hand-written reservation reader (the hot body reader of a
/// drop): every mutant is classified (valid, malformed, too large or invalid) without an exception,
/// and a valid answer always carries a SKU id and a quantity in range. Replay with EDGECOMMERCE_FUZZ_SEED.
/// </summary>
public sealed class ReservationRequestReaderFuzzTests
{
    [Fact]
    public async Task Parse_MutatedBodies_ClassifiedWithoutThrowing()
    {
        // Arrange
        var mutator = Mutator.FromEnvironment();
        var statuses = new Dictionary<ReservationBodyStatus, int>();

        // Act and assert, input by input
        var count = await Mutator.RunAsync(5_000, 200_000, TimeSpan.FromSeconds(2), i =>
        {
            var body = mutator.Mutate("""{"skuId":"hoodie-m","quantity":2}""");
            ReservationBody result;
            try
            {
                result = ReservationRequestReader.Parse(new ReadOnlySequence<byte>(body));
            }
            catch (Exception ex)
            {
                Assert.Fail($"Input {i} threw {ex.GetType().Name} ({mutator.Replay}): {Convert.ToBase64String(body)}");
                throw;
            }

            if (result.Status == ReservationBodyStatus.Valid)
            {
                Assert.True(result.SkuId.Length > 0 && result.Quantity is >= 1 and <= 100, $"Input {i} read as valid with {result.SkuId}/{result.Quantity} ({mutator.Replay})");
            }

            statuses[result.Status] = statuses.GetValueOrDefault(result.Status) + 1;
            return Task.CompletedTask;
        });

        // Assert: the mutants reached every answer, not only "malformed".
        Assert.True(statuses.ContainsKey(ReservationBodyStatus.Malformed) && statuses.ContainsKey(ReservationBodyStatus.Invalid),
            $"{count} inputs: {string.Join(", ", statuses)} ({mutator.Replay})");
        TestContext.Current.SendDiagnosticMessage($"Reservation bodies: {count} inputs, {mutator.Replay}");
    }
}
