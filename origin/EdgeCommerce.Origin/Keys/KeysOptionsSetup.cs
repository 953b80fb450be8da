using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Defaults the issuer to the origin's own HTTP URL.</summary>
internal sealed class KeysOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<KeysOptions>
{
    public void PostConfigure(string? name, KeysOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            var url = configuration["Kestrel:Endpoints:Http:Url"];
            options.Issuer = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "urn:edgecommerce:origin";
        }
    }
}
