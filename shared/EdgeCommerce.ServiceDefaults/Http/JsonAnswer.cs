using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace EdgeCommerce.ServiceDefaults.Http;

/// <summary>
/// Writes a JSON answer with a source-generated serializer's own <see cref="JsonTypeInfo{T}"/>
/// (its fast path: no converter tree), into a buffer reused by the thread, sent with a
/// Content-Length in one copy into the response pipe.
/// </summary>
/// <remarks>
/// Why not <c>TypedResults.Ok</c>: it serializes with the application's options, which cannot
/// take a context's fast path, asynchronously and chunked; on the recommendations path that is
/// the largest single share of the edge's CPU per request (the profile in perf/RESULTS.md).
/// The buffer is safe to reuse as soon as the copy returns: nothing keeps a reference to it.
/// </remarks>
public static class JsonAnswer
{
    public const string ContentType = "application/json; charset=utf-8";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>200 with <paramref name="value"/>.</summary>
    public static JsonOk<T> Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);

    /// <summary>201 with <paramref name="value"/> and a Location header.</summary>
    public static JsonCreated<T> Created<T>(string location, T value, JsonTypeInfo<T> typeInfo) => new(location, value, typeInfo);

    internal static Task WriteAsync<T>(HttpContext context, int statusCode, T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4_096);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        }
        else
        {
            writer.Reset(buffer);
        }

        JsonSerializer.Serialize(writer, value, typeInfo);
        writer.Flush();

        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        response.ContentLength = buffer.WrittenCount;
        var body = response.BodyWriter;
        body.Write(buffer.WrittenSpan);
        // A large answer would keep its array alive on this thread: let it go.
        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null;
            t_writer = null;
        }

        var flush = body.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    internal static void Describe(EndpointBuilder builder, int statusCode, Type type)
        => builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, type, ["application/json"]));
}

/// <summary>A JSON answer with its status (<see cref="JsonAnswer"/>); what the endpoint metadata and tests read.</summary>
public abstract class JsonAnswerResult<T>(int statusCode, T value, JsonTypeInfo<T> typeInfo) : IResult, IStatusCodeHttpResult, IValueHttpResult<T>, IValueHttpResult, IContentTypeHttpResult
{
    public T Value => value;

    object? IValueHttpResult.Value => value;

    public int? StatusCode => statusCode;

    public string ContentType => JsonAnswer.ContentType;

    public virtual Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return JsonAnswer.WriteAsync(httpContext, statusCode, value, typeInfo);
    }
}

/// <summary>200 with a JSON body (<see cref="JsonAnswer"/>).</summary>
public sealed class JsonOk<T>(T value, JsonTypeInfo<T> typeInfo) : JsonAnswerResult<T>(StatusCodes.Status200OK, value, typeInfo), IEndpointMetadataProvider
{
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        JsonAnswer.Describe(builder, StatusCodes.Status200OK, typeof(T));
    }
}

/// <summary>201 with a Location and a JSON body (<see cref="JsonAnswer"/>).</summary>
public sealed class JsonCreated<T>(string location, T value, JsonTypeInfo<T> typeInfo) : JsonAnswerResult<T>(StatusCodes.Status201Created, value, typeInfo), IEndpointMetadataProvider
{
    public string Location => location;

    public override Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.Location = location;
        return base.ExecuteAsync(httpContext);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        JsonAnswer.Describe(builder, StatusCodes.Status201Created, typeof(T));
    }
}
