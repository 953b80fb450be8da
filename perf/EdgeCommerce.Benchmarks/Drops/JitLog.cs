using System.Text;

namespace EdgeCommerce.Benchmarks.Drops;

/// <summary>
/// The methods a child process's JIT compiles (<c>DOTNET_JitDisasmSummary</c> into
/// <c>DOTNET_JitStdOutFile</c>, one file per process), read a window at a time: which code an
/// edge compiles (first use or tier-up) while a burst runs. Disabled with a null path.
/// </summary>
internal sealed class JitLog(string? path)
{
    private long _offset;

    public bool Enabled => path is not null;

    /// <summary>Sets the variables for processes started until the result is disposed (they inherit this process's environment).</summary>
    public IDisposable ForChild()
    {
        if (path is null)
        {
            return new Restore();
        }

        Environment.SetEnvironmentVariable("DOTNET_JitDisasmSummary", "1");
        Environment.SetEnvironmentVariable("DOTNET_JitStdOutFile", path);
        return new Restore();
    }

    /// <summary>Starts the next window here.</summary>
    public void Skip()
    {
        if (path is not null && File.Exists(path))
        {
            _offset = new FileInfo(path).Length;
        }
    }

    /// <summary>The methods compiled since the window started, one per line with their tier.</summary>
    public string Next()
    {
        if (path is null || !File.Exists(path))
        {
            return "none";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        _offset = stream.Length;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "none" : $"{lines.Length} method(s)\n      " + string.Join("\n      ", lines);
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose()
        {
            Environment.SetEnvironmentVariable("DOTNET_JitDisasmSummary", null);
            Environment.SetEnvironmentVariable("DOTNET_JitStdOutFile", null);
        }
    }
}
