using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>How access tokens are validated. Every lenient default of Microsoft.IdentityModel is set deliberately here.</summary>
public sealed class AccessTokenOptions
{
    public const string SectionName = "Auth";

    /// <summary>Tolerance for clock differences on <c>exp</c>, <c>nbf</c> and <c>iat</c>. The default is 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest accepted lifetime (<c>exp</c> − <c>iat</c>). The default is 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Longest accepted token, in characters; anything longer is refused unparsed. The default is 4,096.</summary>
    [Range(256, 65_536)]
    public int MaxTokenLength { get; set; } = 4_096;

    /// <summary>Most validated tokens kept in the validation cache. The default is 100,000.</summary>
    [Range(0, 10_000_000)]
    public int ValidationCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Failed validations one client network (an IPv4 address or an IPv6 /64) may cause per
    /// <see cref="FailedAuthenticationWindow"/>; after that, its uncached tokens get the one 401
    /// without being checked. 0 turns the limit off. The default is 30.
    /// </summary>
    [Range(0, 1_000_000)]
    public int FailedAuthenticationLimit { get; set; } = 30;

    /// <summary>The window <see cref="FailedAuthenticationLimit"/> counts in. The default is 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FailedAuthenticationWindow { get; set; } = TimeSpan.FromSeconds(10);
}
