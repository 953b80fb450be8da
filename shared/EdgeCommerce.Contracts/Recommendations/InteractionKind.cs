namespace EdgeCommerce.Contracts.Recommendations;

/// <summary>
/// What a viewer did with a product. The order is the strength of the signal, and the value is the
/// index into a model's <see cref="ModelMetadata.KindWeights"/>.
/// </summary>
public enum InteractionKind
{
    View = 0,
    Click = 1,
    AddToCart = 2,
    Reservation = 3,
    Purchase = 4,
}
