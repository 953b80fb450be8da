using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeCommerce.Edge.Drops;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// The reservation body reader that replaced the JsonDocument one: the same answers for every
/// kind of body (one JSON value of depth ≤ 4, 4 KiB at most, every wrong field named), including
/// bodies without a Content-Length that grow past the limit.
/// </summary>
public sealed class ReservationRequestReaderTests
{
    [Theory]
    [InlineData("""{"skuId":"hoodie-m","quantity":2}""", "hoodie-m", 2)]
    [InlineData(""" { "quantity" : 1 , "skuId" : "h\u006fodie-m" } """, "hoodie-m", 1)]
    public void Parse_ValidBody_SkuAndQuantity(string json, string sku, int quantity)
    {
        // Act
        var body = ReservationRequestReader.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        // Assert
        Assert.Equal((ReservationBodyStatus.Valid, sku, quantity), (body.Status, body.SkuId, body.Quantity));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"skuId":"a","quantity":1} {}""")]
    [InlineData("""{"skuId":"a","quantity":1,}""")]
    [InlineData("""{"skuId":"a","quantity":1} // comment""")]
    [InlineData("""{"a":{"b":{"c":{"d":{}}}},"skuId":"a","quantity":1}""")]
    [InlineData("""{"skuId":"a","quantity":1""")]
    public void Parse_NotOneJsonValueOfDepthFour_Malformed(string json)
    {
        // Act
        var body = ReservationRequestReader.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        // Assert
        Assert.Equal(ReservationBodyStatus.Malformed, body.Status);
    }

    [Fact]
    public void Parse_InvalidUtf8InAString_MalformedNotAnException()
    {
        // Arrange
        var json = Encoding.UTF8.GetBytes("""{"skuId":"ab","quantity":1}""");
        json[10] = 0xFF;

        // Act
        var body = ReservationRequestReader.Parse(new ReadOnlySequence<byte>(json));

        // Assert
        Assert.Equal(ReservationBodyStatus.Malformed, body.Status);
    }

    [Theory]
    [InlineData("[1,2]", "$")]
    [InlineData("5", "$")]
    [InlineData("""{"skuId":"a","quantity":1,"skuId":"b"}""", "skuId")]
    [InlineData("""{"skuId":"a","quantity":1.5}""", "quantity")]
    [InlineData("""{"skuId":"a","quantity":101}""", "quantity")]
    [InlineData("""{"skuId":["a"],"quantity":1}""", "skuId")]
    [InlineData("""{"skuId":"a","quantity":1,"extra":{"x":[1]}}""", "extra")]
    [InlineData("""{"quantity":1}""", "skuId")]
    [InlineData("""{"skuId":"bad id","quantity":"1","more":null}""", "more,quantity,skuId")]
    public void Parse_ValidJsonWrongReservation_InvalidNamingTheFields(string json, string fields)
    {
        // Act
        var body = ReservationRequestReader.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        // Assert
        Assert.Equal(ReservationBodyStatus.Invalid, body.Status);
        Assert.Equal(fields, string.Join(',', body.Errors!.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task ReadAsync_BodyInPiecesPastTheLimit_TooLargeWithoutReadingTheRest()
    {
        // Arrange: no Content-Length, pieces of 1 KiB; the writer never completes.
        var pipe = new Pipe();
        var writer = Task.Run(async () =>
        {
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("""{"skuId":"a","quantity":1,"pad":" """), TestContext.Current.CancellationToken);
            for (var i = 0; i < 5; i++)
            {
                await pipe.Writer.WriteAsync(new byte[1024].Select(static _ => (byte)'x').ToArray(), TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        // Act
        var body = await ReservationRequestReader.ReadAsync(pipe.Reader, TestContext.Current.CancellationToken);
        await writer;

        // Assert
        Assert.Equal(ReservationBodyStatus.TooLarge, body.Status);
    }

    [Fact]
    public async Task ReadAsync_BodyInPiecesWithinTheLimit_ReadWhole()
    {
        // Arrange
        var pipe = new Pipe();
        foreach (var piece in new[] { """{"sku""", """Id":"hoodie-m","quan""", """tity":3}""" })
        {
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(piece), TestContext.Current.CancellationToken);
        }

        await pipe.Writer.CompleteAsync();

        // Act
        var body = await ReservationRequestReader.ReadAsync(pipe.Reader, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal((ReservationBodyStatus.Valid, "hoodie-m", 3), (body.Status, body.SkuId, body.Quantity));
    }
}
