using System.Net;
using System.Text;

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
    private readonly HttpListener _listener = new();
    private readonly Func<string, (string ContentType, string Body)> _answer;
    private readonly Task _loop;
    private int _tokenRequests;

    public CreatorSite(int port, Func<string, (string ContentType, string Body)> answer)
    {
        Origin = $"http://127.0.0.1:{port}";
        _answer = answer;
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _loop = Task.Run(RunAsync);
    }

    public string Origin { get; }

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopped while accepting.
        }

        _listener.Close();
    }

    private async Task RunAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

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
}
