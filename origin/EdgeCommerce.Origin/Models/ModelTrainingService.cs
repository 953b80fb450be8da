using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts.Recommendations;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Recommendations.Data;
using EdgeCommerce.Recommendations.Demo;
using EdgeCommerce.Recommendations.Training;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Models;

/// <summary>What a training produced.</summary>
internal sealed record TrainingOutcome(string Version, string Sha256, long Size, RecommenderMetrics Metrics, int Interactions, long? ActivatedRevision);

/// <summary>Why a training could not run.</summary>
internal sealed class TrainingRefusedException(string message) : Exception(message);

/// <summary>
/// Trains a recommender from the stored catalogs and interactions (or, for the demo, from
/// interactions generated over the stored catalogs), registers it with its version, SHA-256 and
/// held-out metrics, and optionally activates it (a revision edges receive on the stream). One
/// training at a time per origin process; the CPU-bound work runs off the request thread.
/// </summary>
internal sealed class ModelTrainingService(IOriginStore store, IOptions<ModelsOptions> options, TimeProvider time, ILogger<ModelTrainingService> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<TrainingOutcome> TrainAsync(bool activate, bool demo, CancellationToken cancellationToken)
    {
        if (!await _gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            throw new TrainingRefusedException("A training is already running on this origin.");
        }

        try
        {
            var items = await ReadCatalogItemsAsync(cancellationToken);
            if (items.Count == 0)
            {
                throw new TrainingRefusedException("There are no catalogs to train on.");
            }

            var now = time.GetUtcNow();
            IReadOnlyList<Interaction> interactions;
            if (demo)
            {
                interactions = DemoInteractionGenerator.Generate(items, new DemoInteractionOptions { Viewers = options.Value.DemoViewers, End = now });
            }
            else
            {
                var stored = await store.ReadInteractionsAsync(now - options.Value.InteractionRetention, options.Value.MaxTrainingInteractions, cancellationToken);
                interactions = [.. stored.Select(static i => new Interaction(i.ViewerId, i.CreatorId, i.ProductId, (InteractionKind)Math.Clamp(i.Kind, 0, 4), i.At))];
            }

            var version = "m" + now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..2]);
            var trainingOptions = new TrainingOptions { Iterations = options.Value.TrainingIterations };
            TrainedRecommender trained;
            try
            {
                trained = await Task.Run(() => RecommenderTrainer.Train(items, interactions, version, trainingOptions), cancellationToken);
            }
            catch (InvalidOperationException exception)
            {
                throw new TrainingRefusedException(exception.Message);
            }

            var metrics = trained.Metrics;
            ModelsLog.ModelTrained(logger, version, interactions.Count, metrics.TrainingSeconds, metrics.Auc, metrics.Ndcg10, metrics.PopularityNdcg10);
            var metricsJson = JsonSerializer.Serialize(metrics, ModelsJsonContext.Default.RecommenderMetrics);
            await store.AddModelAsync(new ModelRecord(version, trained.Sha256, trained.Onnx, metricsJson, now), cancellationToken);
            long? revision = null;
            if (activate)
            {
                revision = await ActivateAsync(version, cancellationToken);
            }

            return new TrainingOutcome(version, trained.Sha256, trained.Onnx.Length, metrics, interactions.Count, revision);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Makes a registered model the active one; null when there is no such version.</summary>
    public async Task<long?> ActivateAsync(string version, CancellationToken cancellationToken)
    {
        var model = await store.GetModelAsync(version, cancellationToken);
        if (model is null)
        {
            return null;
        }

        var activation = new ModelActivation { Version = model.Version, Sha256 = model.Sha256, Size = model.Onnx.Length };
        var revision = await store.ActivateModelAsync(version, activation.ToByteArray(), cancellationToken);
        if (revision is { } r)
        {
            ModelsLog.ModelActivated(logger, version, r);
        }

        return revision;
    }

    public void Dispose() => _gate.Dispose();

    private async Task<List<CatalogItem>> ReadCatalogItemsAsync(CancellationToken cancellationToken)
    {
        var items = new List<CatalogItem>();
        await using var snapshot = await store.OpenSnapshotAsync(cancellationToken);
        await foreach (var payload in snapshot.ReadCatalogsAsync(cancellationToken))
        {
            var catalog = CreatorCatalog.Parser.ParseFrom(payload);
            foreach (var product in catalog.Products)
            {
                items.Add(new CatalogItem(catalog.CreatorId, product.Id, CatalogItems.CategoryOf(product.Id, product.Attributes), product.Price?.AmountMinor ?? 0));
            }
        }

        return items;
    }
}
