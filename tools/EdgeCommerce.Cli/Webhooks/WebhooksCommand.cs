using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Webhooks;

/// <summary>
/// <c>webhooks put|list|delete|deliveries</c>: a creator's signed follow-up endpoints through the
/// origin's admin API. A readable table by default, the origin's JSON exactly with <c>--json</c>.
/// </summary>
internal sealed class WebhooksCommand : Command
{
    public WebhooksCommand(CliContext context)
        : base("webhooks", "Register, list and delete a creator's webhook endpoints (signed per Standard Webhooks), and show their deliveries.")
    {
        Subcommands.Add(Verb(context, "put", "Register or replace an endpoint; prints the generated whsec_ secret once when --secret is not given.", oneHook: true, put: true));
        Subcommands.Add(Verb(context, "list", "List the creator's endpoints (their secrets are never shown again).", oneHook: false, put: false));
        Subcommands.Add(Verb(context, "delete", "Delete an endpoint and its undelivered events.", oneHook: true, put: false));
        Subcommands.Add(Verb(context, "deliveries", "Show an endpoint's latest deliveries: pending (next attempt), delivered, dead (given up after a day of retries).", oneHook: true, put: false));
    }

    private static string Path(string creator, string? hook = null, string? suffix = null)
        => "/admin/v1/creators/" + Uri.EscapeDataString(creator) + "/webhooks" + (hook is null ? "" : "/" + Uri.EscapeDataString(hook)) + (suffix ?? "");

    private static Command Verb(CliContext context, string name, string description, bool oneHook, bool put)
    {
        var command = new Command(name, description);
        var creator = CommonOptions.Id("--creator", "The creator whose endpoints these are");
        var id = oneHook ? CommonOptions.Id("--id", "The endpoint's id") : null;
        var url = put ? new Option<string>("--url") { Description = "Where to POST (https; http only on loopback)", Required = true } : null;
        var events = put ? new Option<string>("--events") { Description = "Comma-separated: drop.opened, drop.sold_out, drop.closed, sale.confirmed, sale.cancelled", Required = true } : null;
        var secret = put ? new Option<string?>("--secret") { Description = "A whsec_ secret of your own (default: one is generated and printed once)" } : null;
        var json = new Option<bool>("--json") { Description = "Print the origin's JSON exactly" };
        var admin = new AdminConnection();
        command.Options.Add(creator);
        foreach (var option in new Option?[] { id, url, events, secret, json })
        {
            if (option is not null)
            {
                command.Options.Add(option);
            }
        }

        admin.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var creatorId = parseResult.GetRequiredValue(creator);
            var hookId = id is null ? null : parseResult.GetRequiredValue(id);
            using var client = admin.Open(parseResult, context);
            AdminResponse response;
            if (put)
            {
                var body = new JsonObject
                {
                    ["url"] = parseResult.GetRequiredValue(url!),
                    ["events"] = new JsonArray([.. parseResult.GetRequiredValue(events!).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static e => (JsonNode)e!)]),
                };
                if (parseResult.GetValue(secret!) is { } given)
                {
                    body["secret"] = given;
                }

                response = await client.PutAsync(Path(creatorId, hookId), body.ToJsonString(), cancellationToken);
            }
            else if (name == "delete")
            {
                response = await client.DeleteAsync(Path(creatorId, hookId), cancellationToken);
            }
            else
            {
                response = await client.GetAsync(Path(creatorId, hookId, name == "deliveries" ? "/deliveries" : null), cancellationToken);
            }

            if (!response.IsSuccess)
            {
                await context.Error.WriteLineAsync(ProblemReport.Format(response));
                return ExitCodes.Failed;
            }

            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(response.Body);
                return ExitCodes.Success;
            }

            await context.Out.WriteAsync(name switch
            {
                "delete" => $"Deleted webhook {hookId}.{Environment.NewLine}",
                "deliveries" => DeliveriesTable(response.Body),
                "list" => HooksTable(response.Body),
                _ => PutText(response.Body),
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static string PutText(string body)
    {
        using var document = JsonDocument.Parse(body);
        var hook = document.RootElement;
        var text = new StringBuilder(HooksTable("{\"webhooks\":[" + body + "]}"));
        if (hook.TryGetProperty("secret", out var secret) && secret.ValueKind == JsonValueKind.String)
        {
            text.Append("Signing secret (shown once, keep it): ").Append(secret.GetString()).Append(Environment.NewLine);
        }

        return text.ToString();
    }

    private static string HooksTable(string body)
    {
        using var document = JsonDocument.Parse(body);
        var hooks = document.RootElement.GetProperty("webhooks").EnumerateArray().ToList();
        if (hooks.Count == 0)
        {
            return "No webhooks." + Environment.NewLine;
        }

        var width = Math.Max("WEBHOOK".Length, hooks.Max(static h => h.GetProperty("webhookId").GetString()!.Length));
        var text = new StringBuilder();
        text.Append("WEBHOOK".PadRight(width)).Append("  URL  EVENTS").Append(Environment.NewLine);
        foreach (var hook in hooks)
        {
            text.Append(hook.GetProperty("webhookId").GetString()!.PadRight(width)).Append("  ").Append(hook.GetProperty("url").GetString())
                .Append("  ").Append(string.Join(",", hook.GetProperty("events").EnumerateArray().Select(static e => e.GetString()))).Append(Environment.NewLine);
        }

        return text.ToString();
    }

    private static string DeliveriesTable(string body)
    {
        using var document = JsonDocument.Parse(body);
        var deliveries = document.RootElement.GetProperty("deliveries").EnumerateArray().ToList();
        if (deliveries.Count == 0)
        {
            return "No deliveries yet." + Environment.NewLine;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"EVENT",-36}  {"TYPE",-14}  {"DROP",-20}  {"STATE",-9}  {"ATTEMPTS",8}  NEXT / LAST ERROR").Append(Environment.NewLine);
        foreach (var d in deliveries)
        {
            var next = d.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.String ? "next " + d.GetProperty("nextAttemptAt").GetString() : "";
            var error = d.GetProperty("lastError").ValueKind == JsonValueKind.String ? " " + d.GetProperty("lastError").GetString() : "";
            text.Append(CultureInfo.InvariantCulture,
                $"{d.GetProperty("eventId").GetString(),-36}  {d.GetProperty("type").GetString(),-14}  {d.GetProperty("dropId").GetString(),-20}  {d.GetProperty("state").GetString(),-9}  {d.GetProperty("attempts").GetInt32(),8}  {next}{error}")
                .Append(Environment.NewLine);
        }

        return text.ToString();
    }
}
