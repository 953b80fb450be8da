using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Token signing keys and the tokens the origin mints.</summary>
public sealed class KeysOptions
{
    public const string SectionName = "Keys";

    /// <summary>
    /// The <c>iss</c> of every token, matched exactly by edges (it travels with the keys). The
    /// default is the origin's HTTP endpoint URL (<c>Kestrel:Endpoints:Http:Url</c>), else
    /// <c>urn:edgecommerce:origin</c>.
    /// </summary>
    public string Issuer { get; set; } = "";

    /// <summary>
    /// After a rotation, the origin keeps signing with the old key until every connected edge has
    /// acknowledged the new one, or this long at most. The default is 10 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PublishLead { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often retired keys are swept out of the published set. The default is 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When set, the origin writes a platform operator token (every admin scope, 24 hours) to this
    /// file at startup, readable only by its owner. <c>./edgecommerce up</c> uses it for the CLI.
    /// The default is none.
    /// </summary>
    public string? BootstrapTokenPath { get; set; }

    /// <summary>
    /// The key-encryption key (KEK) file: 32 random bytes in base64 that seal the signing keys in
    /// the store (AES-256-GCM). Created owner-only on the first start when absent and the store
    /// holds no sealed key; never kept in the store, so a backup alone cannot mint tokens, and a
    /// store restored without its KEK refuses to start. Origin replicas sharing one PostgreSQL
    /// database must share this file. The default is <c>keys/kek</c> in
    /// <c>Storage:DataDirectory</c> (beside the database file, which is all a backup copies).
    /// </summary>
    public string EncryptionKeyPath { get; set; } = "";

    /// <summary>
    /// To rotate the key-encryption key: the previous KEK's file. At startup, keys sealed under it
    /// are opened with it and sealed again under the one at <see cref="EncryptionKeyPath"/>
    /// (created when absent). Remove it once the origin has started. The default is none.
    /// </summary>
    public string? PreviousEncryptionKeyPath { get; set; }

    /// <summary>
    /// The longest lifetime a creator's site may ask for a viewer token
    /// (<c>POST /admin/v1/creators/{id}/viewer-tokens</c>). The default is 1 hour: viewer tokens
    /// live in browsers, so they are short and renewed by the site.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxViewerTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
