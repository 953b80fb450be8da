namespace EdgeCommerce.Benchmarks.Snapshot;

/// <summary>One repetition's figures.</summary>
internal sealed record SnapshotRun(
    TimeSpan Baseline,
    long? BaselineRss,
    TimeSpan Cold,
    long? ColdRss,
    TimeSpan Persisted,
    long? SettledRss,
    long ReplicaFileBytes,
    TimeSpan Warm,
    long? WarmRss,
    string Load);
