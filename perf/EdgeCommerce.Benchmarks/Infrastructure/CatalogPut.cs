namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>An accepted catalog PUT.</summary>
/// <param name="Sent">Stopwatch timestamp just before the request was sent.</param>
/// <param name="Answered">Stopwatch timestamp when the 200's headers arrived.</param>
internal readonly record struct CatalogPut(long Revision, long Sent, long Answered);
