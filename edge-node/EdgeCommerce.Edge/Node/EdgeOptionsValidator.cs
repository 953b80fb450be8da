using EdgeCommerce.Contracts;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Node;

/// <summary>Rules DataAnnotations cannot say: the id grammar shared with the origin, an absolute public URL.</summary>
internal sealed class EdgeOptionsValidator : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var failures = new List<string>();
        if (!Identifiers.IsValid(options.Id))
        {
            failures.Add($"{EdgeOptions.SectionName}:{nameof(EdgeOptions.Id)} {Identifiers.Rule}.");
        }

        if (options.PublicUrl.Length > 0 && !Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out _))
        {
            failures.Add($"{EdgeOptions.SectionName}:{nameof(EdgeOptions.PublicUrl)} must be an absolute URL.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
