using System.Data.Common;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Row mappers for the model registry and the interaction log, shared by both stores.</summary>
internal static class RecommendationRows
{
    public static ModelSummary Summary(DbDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5));

    public static ModelRecord Model(DbDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5));

    public static InteractionRecord Interaction(DbDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
}
