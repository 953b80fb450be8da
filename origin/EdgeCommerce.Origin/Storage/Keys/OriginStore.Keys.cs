using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Token-signing keys (sealed private halves) and the public key set the edges sync.</summary>
internal sealed partial class OriginStore
{
    public async Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            $"SELECT kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked FROM signing_keys ORDER BY created_at_ms, kid {Dialect.ByteOrder};");
        return await StoreRows.ReadAllAsync(select, StoreRows.SigningKey, cancellationToken);
    }

    public Task<long> SaveSigningKeysAsync(IReadOnlyList<SigningKeyRecord> keys, byte[] publicKeySet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(publicKeySet);
        return WriteAsync(async (connection, transaction, head) =>
        {
            var revision = head + 1;
            var statements = new List<SqlStatement>(keys.Count + 2) { new("DELETE FROM signing_keys;") };
            foreach (var key in keys)
            {
                statements.Add(new("""
                    INSERT INTO signing_keys (kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked)
                    VALUES (@kid, @key, @created, @published, @from, @retire, @revoked);
                    """,
                    ("kid", key.KeyId), ("key", key.PrivateKey), ("created", key.CreatedAt.ToUnixTimeMilliseconds()),
                    ("published", key.PublishedRevision == 0 ? revision : key.PublishedRevision),
                    ("from", key.SigningFrom.ToUnixTimeMilliseconds()),
                    ("retire", (object?)key.RetireAt?.ToUnixTimeMilliseconds() ?? DBNull.Value), ("revoked", key.Revoked)));
            }

            statements.Add(new("INSERT INTO key_set (id, payload) VALUES (1, @payload) ON CONFLICT (id) DO UPDATE SET payload = excluded.payload;",
                ("payload", publicKeySet)));
            await AppendChangeAsync(connection, transaction, revision, "", ChangeKind.KeysChanged, publicKeySet, cancellationToken, [.. statements]);
            return (revision, revision);
        }, cancellationToken);
    }
}
