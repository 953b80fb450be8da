using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>Keeps every Error-or-worse log of a test host, so tests can fail on unexpected errors.</summary>
internal sealed class ErrorLogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyList<string> Errors => [.. _errors];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _errors);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                errors.Enqueue($"{category} [{eventId.Id} {eventId.Name}] {formatter(state, exception)} {exception}");
            }
        }
    }
}
