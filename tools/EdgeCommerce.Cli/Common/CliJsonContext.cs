using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Contracts.Edges;

namespace EdgeCommerce.Cli.Common;

/// <summary>Source-generated JSON for the files and payloads the CLI writes: camelCase, like the admin API.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StackEndpoints))]
[JsonSerializable(typeof(CatalogFile))]
[JsonSerializable(typeof(DemoDropDocument))]
[JsonSerializable(typeof(CreatorList))]
[JsonSerializable(typeof(EdgeList))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
