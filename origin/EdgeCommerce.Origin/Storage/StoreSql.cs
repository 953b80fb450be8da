using System.Data.Common;

namespace EdgeCommerce.Origin.Storage;

/// <summary>One SQL statement and its named parameters (<c>@name</c> in the text, <c>name</c> here).</summary>
internal readonly record struct SqlStatement(string Sql, params (string Name, object Value)[] Parameters);

/// <summary>
/// The ADO.NET calls every part of the store makes, over <see cref="DbConnection"/> so one text
/// serves SQLite and PostgreSQL: named <c>@parameters</c> (both accept them), values bound as they
/// are (both providers infer the column type), and SQL <c>NULL</c> read back as <see langword="null"/>.
/// </summary>
internal static class StoreSql
{
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    /// <summary>
    /// Runs <paramref name="statements"/> in order: in one round trip where the provider batches
    /// (Npgsql), else one after another (SQLite runs in-process, so there is no round trip to
    /// save), reusing one prepared command while the text repeats.
    /// </summary>
    public static async Task ExecuteBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        if (connection.CanCreateBatch)
        {
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var statement in statements)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = statement.Sql;
                foreach (var (name, value) in statement.Parameters)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        DbCommand? current = null;
        try
        {
            foreach (var statement in statements)
            {
                if (current is not null && string.Equals(current.CommandText, statement.Sql, StringComparison.Ordinal)
                    && current.Parameters.Count == statement.Parameters.Length)
                {
                    for (var i = 0; i < statement.Parameters.Length; i++)
                    {
                        current.Parameters[i].Value = statement.Parameters[i].Value;
                    }
                }
                else
                {
                    if (current is not null)
                    {
                        await current.DisposeAsync();
                    }

                    current = Command(connection, transaction, statement.Sql, statement.Parameters);
                }

                await current.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            if (current is not null)
            {
                await current.DisposeAsync();
            }
        }
    }
}
