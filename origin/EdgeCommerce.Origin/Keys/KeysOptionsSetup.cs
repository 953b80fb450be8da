using EdgeCommerce.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Defaults the issuer to the origin's own HTTP URL and the key-encryption key to <c>keys/kek</c> in the data directory.</summary>
internal sealed class KeysOptionsSetup(IConfiguration configuration, IOptions<StorageOptions> storage) : IPostConfigureOptions<KeysOptions>
{
    public void PostConfigure(string? name, KeysOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            var url = configuration["Kestrel:Endpoints:Http:Url"];
            options.Issuer = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "urn:edgecommerce:origin";
        }

        if (string.IsNullOrWhiteSpace(options.EncryptionKeyPath))
        {
            options.EncryptionKeyPath = Path.Combine(storage.Value.DataDirectory, "keys", "kek");
        }

        options.EncryptionKeyPath = Path.GetFullPath(options.EncryptionKeyPath);
    }
}
