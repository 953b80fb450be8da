using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Cross-field rules DataAnnotations cannot express: PostgreSQL needs a valid connection string.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail($"Storage:Provider must be {StorageProvider.Sqlite} or {StorageProvider.Postgres}.");
        }

        if (options.Provider != StorageProvider.Postgres)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("Storage:ConnectionString is required when Storage:Provider is Postgres.");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            // The message names the bad keyword, never the password.
            return ValidateOptionsResult.Fail($"Storage:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
