using Microsoft.AspNetCore.Http;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>What the in-memory host answered.</summary>
internal sealed record ProbeResponse(int StatusCode, string Body, IHeaderDictionary Headers);
