using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>Keeps every entry's level and EventId: tests assert EventIds, not message text (STYLE 5).</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, int EventId, Exception? Exception)> _entries = new();

    public IReadOnlyList<(LogLevel Level, int EventId, Exception? Exception)> Entries => [.. _entries];

    public IReadOnlyList<int> EventIds => [.. _entries.Select(static e => e.EventId)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => _entries.Enqueue((logLevel, eventId.Id, exception));
}
