using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Abstractions;
using Microsoft.IdentityModel.Logging;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// Keeps every log line of a test host at Trace level (message, state values, scopes and
/// exception), so tests can prove no token ever reaches a log. Microsoft.IdentityModel logs
/// through its own static <see cref="LogHelper.Logger"/>, not ILogger: <see cref="IdentityModelLines"/>
/// collects those, process-wide, at Verbose.
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    private static readonly ConcurrentQueue<string> s_identityModel = new();
    private readonly ConcurrentQueue<string> _lines = new();

    static LogCapture()
    {
        LogHelper.Logger = new IdentityModelSink();
    }

    public LogCapture()
    {
        // Touching the type runs the static constructor that installs the IdentityModel sink.
        _ = s_identityModel.Count;
    }

    /// <summary>Every line the host logged.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Every line Microsoft.IdentityModel logged in this process.</summary>
    public static IReadOnlyList<string> IdentityModelLines => [.. s_identityModel];

    /// <summary>Host lines and IdentityModel lines together.</summary>
    public IEnumerable<string> AllLines => Lines.Concat(IdentityModelLines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel} {category} [{eventId.Id} {eventId.Name}] {formatter(state, exception)} {Describe(state)} {exception}");

        // Structured values too: a sink that writes state properties would see these.
        private static string Describe<TState>(TState state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(" ", pairs.Select(static pair => $"{pair.Key}={pair.Value}"))
            : state?.ToString() ?? "";
    }

    private sealed class IdentityModelSink : IIdentityLogger
    {
        public bool IsEnabled(EventLogLevel eventLogLevel) => true;

        public void Log(LogEntry entry) => s_identityModel.Enqueue($"IdentityModel {entry.EventLogLevel} {entry.Message}");
    }
}
