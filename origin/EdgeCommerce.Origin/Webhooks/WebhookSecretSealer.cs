using System.Text;
using EdgeCommerce.Origin.Keys;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>
/// Webhook secrets at rest: sealed under the key-encryption key that seals the signing keys
/// (AES-256-GCM, <see cref="SigningKeySealer"/>), with the webhook's <c>(creator, id)</c> in the
/// associated data so a sealed secret copied onto another row does not open. The store's column
/// keeps text: <c>sealed:</c> + base64 of the sealed bytes (a clear secret starts with
/// <c>whsec_</c>, so the two never mix up). A secret is opened only to sign a delivery.
/// </summary>
internal sealed class WebhookSecretSealer(SigningKeySealer sealer)
{
    public const string SealedPrefix = "sealed:";

    /// <summary>Whether <paramref name="stored"/> is a sealed secret (else a clear one from before sealing).</summary>
    public static bool IsSealed(string stored) => stored.StartsWith(SealedPrefix, StringComparison.Ordinal);

    /// <summary>The secret as the store keeps it.</summary>
    public string Seal(string creatorId, string webhookId, string secret)
        => SealedPrefix + Convert.ToBase64String(sealer.SealValue(AssociatedName(creatorId, webhookId), Encoding.UTF8.GetBytes(secret)));

    /// <summary>
    /// The <c>whsec_…</c> secret of a stored one (a clear one from before sealing passes through,
    /// to be sealed at the next start); throws <see cref="KeyEncryptionException"/> when it does
    /// not open (another KEK, an altered row, or a secret moved from another webhook).
    /// </summary>
    public string Open(string creatorId, string webhookId, string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!IsSealed(stored))
        {
            return stored;
        }

        var description = $"The secret of creator {creatorId}'s webhook {webhookId}";
        var bytes = Bytes(stored) ?? throw new KeyEncryptionException($"{description} is not a sealed value: the row was altered.");
        return Encoding.UTF8.GetString(sealer.OpenValue(AssociatedName(creatorId, webhookId), bytes, description));
    }

    /// <summary>Whether a stored secret is sealed under the current KEK (else it is clear or under the previous one, and is sealed again at start).</summary>
    public bool IsCurrent(string stored) => IsSealed(stored) && Bytes(stored) is { } bytes && sealer.IsCurrent(bytes);

    /// <summary>Whether a stored secret is clear, or sealed under a KEK this origin holds (current or previous); false for one sealed under any other.</summary>
    public bool CanOpen(string stored) => !IsSealed(stored) || (Bytes(stored) is { } bytes && sealer.IsSealedWithKnownKey(bytes));

    /// <summary>The id of the KEK a sealed secret names, as hex; null when <paramref name="stored"/> is clear or not a sealed value.</summary>
    public static string? SealedWith(string stored)
        => IsSealed(stored) && Bytes(stored) is { } bytes && KeyEncryptionKey.IsSealed(bytes) ? KeyEncryptionKey.SealedWith(bytes) : null;

    /// <summary>
    /// Identifiers are letters, digits, '.', '_' and '-', so the '/' cannot make two rows' names
    /// equal; the prefix keeps them apart from signing keys' kids.
    /// </summary>
    private static string AssociatedName(string creatorId, string webhookId) => $"webhook:{creatorId}/{webhookId}";

    private static byte[]? Bytes(string stored)
    {
        var bytes = new byte[(stored.Length - SealedPrefix.Length) * 3 / 4];
        return Convert.TryFromBase64Chars(stored.AsSpan(SealedPrefix.Length), bytes, out var written) ? bytes[..written] : null;
    }
}
