using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>
/// Keeps every Error-or-worse log of a test host, so tests can fail on unexpected errors, and the
/// level and EventId of every entry the host's filters let through (tests assert EventIds, not text).
/// </summary>
internal sealed class ErrorLogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<(LogLevel Level, int EventId)> _events = new();

    public IReadOnlyList<string> Errors => [.. _errors];

    public IReadOnlyList<(LogLevel Level, int EventId)> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ErrorLogCollector collector) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            collector._events.Enqueue((logLevel, eventId.Id));
            if (logLevel >= LogLevel.Error)
            {
                collector._errors.Enqueue($"{category} [{eventId.Id} {eventId.Name}] {formatter(state, exception)} {exception}");
            }
        }
    }
}
