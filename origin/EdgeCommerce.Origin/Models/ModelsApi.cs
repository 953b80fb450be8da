using System.Text.Json;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Origin.Models;

/// <summary>
/// The model registry (<c>/admin/v1/models</c>) and viewer-data deletion
/// (<c>/admin/v1/viewers/{viewerId}/interactions</c>). One model serves every creator, and a
/// viewer's interactions span creators, so both are for platform operators with <c>admin:models</c>.
/// </summary>
internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var models = endpoints.MapGroup("/admin/v1/models").WithTags("Models")
            .RequireScope(Scopes.AdminModels)
            .RequirePlatformOperator();
        models.MapGet("/", ListModels).WithName("ListModels").WithSummary("Registered models, newest first: version, SHA-256, size, held-out metrics, activation revision.");
        models.MapPost("/train", Train).WithName("TrainModel")
            .WithSummary("Trains on stored interactions (or generated demo ones), registers the model, and activates it unless activate=false.");
        models.MapPost("/{version}/activate", Activate).WithName("ActivateModel").WithSummary("Makes a registered model active: a revision every edge receives, with the bytes.");

        endpoints.MapDelete("/admin/v1/viewers/{viewerId}/interactions", DeleteViewerInteractions)
            .RequireScope(Scopes.AdminModels)
            .RequirePlatformOperator()
            .WithTags("Models")
            .WithName("DeleteViewerInteractions")
            .WithSummary("Deletes every stored interaction of one viewer (a privacy request).");
        return endpoints;
    }

    internal static async Task<Ok<ModelListResponse>> ListModels(IOriginStore store, CancellationToken cancellationToken)
    {
        var models = await store.ListModelsAsync(cancellationToken);
        var active = models.Where(static m => m.ActivatedRevision > 0).MaxBy(static m => m.ActivatedRevision)?.Version;
        return TypedResults.Ok(new ModelListResponse(active, [.. models.Select(static m => new ModelView(m.Version, m.Sha256, m.Size, JsonDocument.Parse(m.MetricsJson).RootElement, m.CreatedAt, m.ActivatedRevision))]));
    }

    internal static async Task<Results<Created<TrainResponse>, ProblemHttpResult>> Train(ModelTrainingService training, CancellationToken cancellationToken, bool activate = true, bool demo = false)
    {
        try
        {
            var outcome = await training.TrainAsync(activate, demo, cancellationToken);
            return TypedResults.Created("/admin/v1/models/" + outcome.Version, new TrainResponse(
                outcome.Version, outcome.Sha256, outcome.Size, outcome.Interactions, outcome.ActivatedRevision,
                JsonSerializer.SerializeToElement(outcome.Metrics, ModelsJsonContext.Default.RecommenderMetrics)));
        }
        catch (TrainingRefusedException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Cannot train now.", detail: exception.Message);
        }
    }

    internal static async Task<Results<Ok<ActivateResponse>, ProblemHttpResult>> Activate(string version, ModelTrainingService training, CancellationToken cancellationToken)
        => await training.ActivateAsync(version, cancellationToken) is { } revision
            ? TypedResults.Ok(new ActivateResponse(version, revision))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such model.");

    internal static async Task<Results<Ok<DeletedResponse>, ProblemHttpResult>> DeleteViewerInteractions(string viewerId, IOriginStore store, CancellationToken cancellationToken)
    {
        if (viewerId.Length is 0 or > 128 || viewerId.Any(char.IsControl))
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["viewerId"] = ["must be 1-128 characters without control characters"] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Invalid viewer id.",
            });
        }

        return TypedResults.Ok(new DeletedResponse(viewerId, await store.DeleteViewerInteractionsAsync(viewerId, cancellationToken)));
    }
}

internal sealed record ModelView(string Version, string Sha256, long Size, JsonElement Metrics, DateTimeOffset CreatedAt, long ActivatedRevision);

internal sealed record ModelListResponse(string? Active, IReadOnlyList<ModelView> Models);

internal sealed record TrainResponse(string Version, string Sha256, long Size, int Interactions, long? ActivatedRevision, JsonElement Metrics);

internal sealed record ActivateResponse(string Version, long Revision);

internal sealed record DeletedResponse(string ViewerId, int Deleted);
