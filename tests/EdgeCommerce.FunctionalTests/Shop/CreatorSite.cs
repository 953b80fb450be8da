using System.Net;
using System.Text;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Shop;

/// <summary>
/// A creator's website in the smallest form that is real: an HTTP listener on a loopback port
/// that answers <c>/</c> with the page holding the embed snippet and <c>POST /shop-token</c> with
/// a viewer token (as the creator's back end would). A real socket, because Chromium's local
/// network access rules treat a page a test fakes in the browser as public, and refuse it the
/// loopback edge.
/// </summary>
internal sealed class CreatorSite : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;
    private readonly Func<string, (string ContentType, string Body)> _answer;
    private int _tokenRequests;

    public CreatorSite(int port, Func<string, (string ContentType, string Body)> answer)
    {
        _answer = answer;
        _server = new LoopbackHttpServer(AnswerAsync, port);
    }

    public string Origin => _server.Origin;

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        if (path == "/shop-token")
        {
            Interlocked.Increment(ref _tokenRequests);
        }

        var (contentType, body) = _answer(path);
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = contentType;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
