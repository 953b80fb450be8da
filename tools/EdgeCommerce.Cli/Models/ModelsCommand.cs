using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Models;

/// <summary><c>models train | list | activate VERSION</c>: the origin's recommender models.</summary>
internal sealed class ModelsCommand : Command
{
    public ModelsCommand(CliContext context)
        : base("models", "Train, list and activate the recommender models the edges run.")
    {
        Subcommands.Add(Train(context));
        Subcommands.Add(AdminVerb.Create(context, "list", "List the registered models with their held-out metrics, newest first; the active one is marked.", static _ => ("GET", "/admin/v1/models"),
            human: List));
        var version = new Argument<string>("VERSION") { Description = "The model version to activate" };
        Subcommands.Add(AdminVerb.Create(context, "activate", "Make a registered model the active one (every edge receives it on the sync stream).",
            parse => ("POST", $"/admin/v1/models/{Uri.EscapeDataString(parse.GetRequiredValue(version))}/activate"), version,
            static answer => $"Model {CliOutput.Text(answer, "version")} is active at revision {CliOutput.Number(answer, "revision")}; every edge receives it on its sync stream."));
    }

    private static Command Train(CliContext context)
    {
        var connection = new AdminConnection();
        var demo = new Option<bool>("--demo") { Description = "Train on generated demo interactions over the stored catalogs instead of stored interactions." };
        var noActivate = new Option<bool>("--no-activate") { Description = "Register the model without activating it." };
        var command = new Command("train", "Train a model (ML.NET) on the origin, evaluate it on the newest interactions, register it and activate it.");
        connection.AddTo(command);
        command.Options.Add(demo);
        command.Options.Add(noActivate);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var admin = connection.Open(parseResult, context);
            var path = string.Create(CultureInfo.InvariantCulture, $"/admin/v1/models/train?demo={(parseResult.GetValue(demo) ? "true" : "false")}&activate={(parseResult.GetValue(noActivate) ? "false" : "true")}");
            var response = await admin.PostAsync(path, null, cancellationToken);
            return await CliOutput.WriteAnswerAsync(context, response, connection.WantsJson(parseResult), static answer => Summary(answer.GetRawText()));
        });
        return command;
    }

    /// <summary>One row per model, newest first: the active one marked with *.</summary>
    internal static string List(JsonElement answer)
    {
        var active = CliOutput.Text(answer, "active");
        var table = new TextTable("", "VERSION", "CREATED", "AUC", "NDCG@10", "POPULARITY NDCG@10", "SIZE", "ACTIVATED AT");
        foreach (var model in CliOutput.Items(answer, "models"))
        {
            var version = CliOutput.Text(model, "version");
            var metrics = model.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            table.Add(version == active ? "*" : " ", version, CliOutput.Time(model, "createdAt"), Metric(metrics, "auc"), Metric(metrics, "ndcg10"), Metric(metrics, "popularityNdcg10"),
                CliOutput.Number(model, "size"), CliOutput.Number(model, "activatedRevision") is var revision && revision is not ("-" or "0") ? "revision " + revision : "-");
        }

        return table.Count == 0 ? "No model yet. Train one with `edgecommerce models train` (--demo on generated interactions)." : table + Environment.NewLine + "* active";
    }

    private static string Metric(JsonElement metrics, string name)
        => metrics.ValueKind == JsonValueKind.Object && metrics.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble().ToString("F3", CultureInfo.InvariantCulture)
            : "-";

    /// <summary>One line for a trained model: version, metrics against the popularity baseline, activation.</summary>
    internal static string Summary(string trainResponse)
    {
        using var body = JsonDocument.Parse(trainResponse);
        var root = body.RootElement;
        var metrics = root.GetProperty("metrics");
        var activated = root.TryGetProperty("activatedRevision", out var revision) && revision.ValueKind == JsonValueKind.Number
            ? string.Create(CultureInfo.InvariantCulture, $"active at revision {revision.GetInt64()}")
            : "registered, not active";
        return string.Create(CultureInfo.InvariantCulture,
            $"model {root.GetProperty("version").GetString()} trained on {root.GetProperty("interactions").GetInt32()} interactions: AUC {metrics.GetProperty("auc").GetDouble():F3}, NDCG@10 {metrics.GetProperty("ndcg10").GetDouble():F3} (popularity {metrics.GetProperty("popularityNdcg10").GetDouble():F3}); {activated}; sha256 {root.GetProperty("sha256").GetString()}");
    }
}
