namespace EdgeCommerce.Cli.Backup;

/// <summary>What a backup holds: its head revision and how many creators have a catalog.</summary>
internal readonly record struct BackupSummary(long HeadRevision, int Creators);
