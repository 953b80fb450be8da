using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;

namespace EdgeCommerce.Origin.Models;

/// <summary>
/// Receives viewer interactions edges forward (<c>EdgeEvents.Forward</c>) and stores them as
/// training data. Requires an <c>edge:sync</c> token issued to the batch's edge. A batch is
/// validated whole: one bad interaction refuses it with <c>InvalidArgument</c>, nothing stored.
/// </summary>
internal sealed class EdgeEventsService(IOriginStore store, ILogger<EdgeEventsService> logger) : EdgeEvents.EdgeEventsBase
{
    public const int MaxBatch = 1000;

    /// <summary>The last instant a <see cref="DateTimeOffset"/> holds (9999-12-31T23:59:59.999Z), in Unix milliseconds.</summary>
    public const long MaxAtUnixMs = 253_402_300_799_999;

    public override async Task<InteractionBatchAck> Forward(InteractionBatch request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.GetHttpContext().GetAccessToken();
        if (caller is null || !string.Equals(caller.Subject, request.EdgeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This token was not issued to the edge the batch names."));
        }

        if (request.Interactions.Count > MaxBatch)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"At most {MaxBatch} interactions per batch."));
        }

        var records = new List<InteractionRecord>(request.Interactions.Count);
        foreach (var interaction in request.Interactions)
        {
            if (interaction.ViewerId.Length is 0 or > 128 || !Identifiers.IsValid(interaction.CreatorId) || !Identifiers.IsValid(interaction.ProductId)
                || interaction.Kind is < 0 or > 4 || interaction.AtUnixMs is <= 0 or > MaxAtUnixMs)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "An interaction has an invalid viewer, creator, product, kind or time."));
            }

            records.Add(new InteractionRecord(interaction.ViewerId, interaction.CreatorId, interaction.ProductId, interaction.Kind, DateTimeOffset.FromUnixTimeMilliseconds(interaction.AtUnixMs)));
        }

        await store.AppendInteractionsAsync(records, context.CancellationToken);
        ModelsLog.InteractionsReceived(logger, records.Count, request.EdgeId);
        return new InteractionBatchAck { Accepted = records.Count };
    }
}
