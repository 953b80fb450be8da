using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// A creator's SKU prices (from the catalog's protobuf payload) and unit costs (from its JSON
/// document: costs never go to edges), for pricing a sale inside the confirm transaction. Parsed
/// once per catalog content (keyed by creator and content hash, read in the same transaction), so
/// a burst of confirms does not re-read the catalog each time.
/// </summary>
internal static class CatalogPrices
{
    private const int MaxCached = 4096;

    private static readonly ConcurrentDictionary<(string Creator, string Hash), IReadOnlyDictionary<string, SkuPrice>> s_cache = new();

    public static async Task<SkuPrice?> FindAsync(DbConnection connection, DbTransaction? transaction, string creatorId, string skuId, CancellationToken cancellationToken)
        => (await ReadAllAsync(connection, transaction, creatorId, cancellationToken)).GetValueOrDefault(skuId);

    public static async Task<IReadOnlyDictionary<string, SkuPrice>> ReadAllAsync(DbConnection connection, DbTransaction? transaction, string creatorId, CancellationToken cancellationToken)
    {
        byte[] hash;
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT content_hash FROM catalogs WHERE creator_id = @creator;";
            AddParameter(command, "@creator", creatorId);
            if (await command.ExecuteScalarAsync(cancellationToken) is not byte[] stored)
            {
                return new Dictionary<string, SkuPrice>(StringComparer.Ordinal);
            }

            hash = stored;
        }

        var key = (creatorId, Convert.ToBase64String(hash));
        if (s_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT payload, document FROM catalogs WHERE creator_id = @creator;";
            AddParameter(command, "@creator", creatorId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return new Dictionary<string, SkuPrice>(StringComparer.Ordinal);
            }

            var prices = Parse(reader.GetFieldValue<byte[]>(0), reader.GetString(1));
            if (s_cache.Count >= MaxCached)
            {
                s_cache.Clear();
            }

            s_cache[key] = prices;
            return prices;
        }
    }

    private static Dictionary<string, SkuPrice> Parse(byte[] payload, string document)
    {
        var costs = ReadCosts(document);
        var prices = new Dictionary<string, SkuPrice>(StringComparer.Ordinal);
        // A store written by other means (tests, an old build) may hold a payload that is not a catalog.
        CreatorCatalog catalog;
        try
        {
            catalog = CreatorCatalog.Parser.ParseFrom(payload);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return prices;
        }

        foreach (var product in catalog.Products)
        {
            foreach (var sku in product.Skus)
            {
                prices[sku.Id] = new SkuPrice(product.Price?.AmountMinor ?? 0, product.Price?.Currency ?? "", costs.TryGetValue(sku.Id, out var cost) ? cost : null);
            }
        }

        return prices;
    }

    /// <summary>Unit costs by SKU id from the canonical catalog JSON; none when it holds none (or is not the catalog's JSON).</summary>
    private static Dictionary<string, long> ReadCosts(string document)
    {
        var costs = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!document.Contains("\"unitCostMinor\"", StringComparison.Ordinal))
        {
            return costs;
        }

        try
        {
            using var json = JsonDocument.Parse(document);
            if (!json.RootElement.TryGetProperty("products", out var products) || products.ValueKind != JsonValueKind.Array)
            {
                return costs;
            }

            foreach (var product in products.EnumerateArray())
            {
                if (!product.TryGetProperty("skus", out var skus) || skus.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var sku in skus.EnumerateArray())
                {
                    if (sku.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                        && sku.TryGetProperty("unitCostMinor", out var cost) && cost.TryGetInt64(out var minor))
                    {
                        costs[id.GetString()!] = minor;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not the catalog's canonical JSON: no costs known.
        }

        return costs;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
