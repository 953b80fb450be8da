using System.Net;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A real HTTP server on a loopback port, as small as a test's stand-in for somebody else's
/// service can be (a creator's website, an OTLP collector): an <see cref="HttpListener"/> whose
/// accept loop hands every request to <c>handle</c>, which must answer it. Stopping ends the loop.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable, IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _handle;
    private readonly Task _loop;

    public LoopbackHttpServer(Func<HttpListenerContext, Task> handle, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
        Port = port ?? FreePort.Next();
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>, no trailing slash.</summary>
    public string Origin => $"http://127.0.0.1:{Port}";

    public void Dispose()
    {
        _listener.Stop();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _listener.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        _listener.Close();
    }

    private async Task AcceptAsync()
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
                // Stopped while accepting.
                return;
            }

            await _handle(context);
        }
    }
}
