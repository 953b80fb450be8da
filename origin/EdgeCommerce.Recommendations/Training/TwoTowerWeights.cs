using System.Numerics.Tensors;

namespace EdgeCommerce.Recommendations.Training;

/// <summary>
/// A field-aware factorization machine over two fields (viewer, item), rewritten as two towers.
/// The FFM score of viewer features x (field 0) and one-hot item features z (field 1) is
/// <c>Σ w·x + Σ w·z + Σ_{j&lt;j'} ⟨v(j, f(j')), v(j', f(j))⟩ x_j x_j'</c>; split by field it becomes
/// <list type="bullet">
/// <item>a viewer part: <c>w_x·x + ½(‖Sᵀx‖² − Σ x_j²‖v(j,0)‖²)</c> with <c>S[j] = v(j, 0)</c>;</item>
/// <item>a cross part: <c>⟨Cᵀx, E[i]⟩</c> with <c>C[j] = v(j, 1)</c> (the viewer tower) and
/// <c>E[i] = Σ_{z_j'=1} v(j', 0)</c> (the item tower, precomputed per item);</item>
/// <item>an item part <c>B[i]</c>: the item's linear weights and its within-field pairs, precomputed.</item>
/// </list>
/// This is the layout of the ONNX graph (<see cref="Onnx.TwoTowerOnnxWriter"/>) and of the C# reference scorer.
/// </summary>
public sealed class TwoTowerWeights
{
    public required int LatentDimension { get; init; }

    public required int ViewerDimension { get; init; }

    public required int ItemCount { get; init; }

    /// <summary>[ViewerDimension × LatentDimension], row-major: v(j, item field).</summary>
    public required float[] ViewerCross { get; init; }

    /// <summary>[ViewerDimension × LatentDimension], row-major: v(j, viewer field).</summary>
    public required float[] ViewerSelf { get; init; }

    /// <summary>[ViewerDimension]: ‖v(j, viewer field)‖².</summary>
    public required float[] ViewerSelfNorms { get; init; }

    /// <summary>[ViewerDimension]: linear weights of the viewer features.</summary>
    public required float[] ViewerLinear { get; init; }

    /// <summary>[ItemCount × LatentDimension], row-major: the item tower.</summary>
    public required float[] ItemEmbedding { get; init; }

    /// <summary>[ItemCount]: the item's own part of the score.</summary>
    public required float[] ItemBias { get; init; }

    /// <summary>
    /// Lays the FFM's weights out as towers. <paramref name="linear"/> has one weight per feature
    /// (viewer features first, then item features); <paramref name="latent"/> is
    /// <c>[feature][field][latent]</c> as <c>FieldAwareFactorizationMachineModelParameters.GetLatentWeights</c> returns it.
    /// </summary>
    public static TwoTowerWeights FromFieldAwareMachine(IReadOnlyList<float> linear, IReadOnlyList<float> latent, int latentDimension, int viewerDimension, int itemCount, Func<int, int[]> itemFeatures)
    {
        ArgumentNullException.ThrowIfNull(linear);
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        const int Fields = 2;
        var k = latentDimension;
        float V(int feature, int field, int d) => latent[(((feature * Fields) + field) * k) + d];

        var cross = new float[viewerDimension * k];
        var self = new float[viewerDimension * k];
        var norms = new float[viewerDimension];
        var viewerLinear = new float[viewerDimension];
        for (var j = 0; j < viewerDimension; j++)
        {
            viewerLinear[j] = linear[j];
            for (var d = 0; d < k; d++)
            {
                cross[(j * k) + d] = V(j, 1, d);
                self[(j * k) + d] = V(j, 0, d);
                norms[j] += V(j, 0, d) * V(j, 0, d);
            }
        }

        var embedding = new float[itemCount * k];
        var bias = new float[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            var features = itemFeatures(i);
            for (var a = 0; a < features.Length; a++)
            {
                var fa = viewerDimension + features[a];
                bias[i] += linear[fa];
                for (var d = 0; d < k; d++)
                {
                    embedding[(i * k) + d] += V(fa, 0, d);
                }

                for (var b = a + 1; b < features.Length; b++)
                {
                    var fb = viewerDimension + features[b];
                    for (var d = 0; d < k; d++)
                    {
                        bias[i] += V(fa, 1, d) * V(fb, 1, d);
                    }
                }
            }
        }

        return new TwoTowerWeights
        {
            LatentDimension = k,
            ViewerDimension = viewerDimension,
            ItemCount = itemCount,
            ViewerCross = cross,
            ViewerSelf = self,
            ViewerSelfNorms = norms,
            ViewerLinear = viewerLinear,
            ItemEmbedding = embedding,
            ItemBias = bias,
        };
    }

    /// <summary>The viewer tower: the latent vector <c>Cᵀx</c> and the viewer's own part of the score.</summary>
    public float ViewerTower(ReadOnlySpan<float> viewer, Span<float> latent)
    {
        var k = LatentDimension;
        Span<float> a = stackalloc float[k];
        latent = latent[..k];
        latent.Clear();
        var constant = 0f;
        var squares = 0f;
        for (var j = 0; j < ViewerDimension; j++)
        {
            var x = viewer[j];
            if (x == 0)
            {
                continue;
            }

            constant += ViewerLinear[j] * x;
            squares += x * x * ViewerSelfNorms[j];
            for (var d = 0; d < k; d++)
            {
                latent[d] += ViewerCross[(j * k) + d] * x;
                a[d] += ViewerSelf[(j * k) + d] * x;
            }
        }

        return constant + (0.5f * (TensorPrimitives.Dot(a, a) - squares));
    }

    /// <summary>Scores one item for a viewer (the C# reference the ONNX graph must match).</summary>
    public float Score(ReadOnlySpan<float> viewer, int item)
    {
        Span<float> latent = stackalloc float[LatentDimension];
        var constant = ViewerTower(viewer, latent);
        return constant + ItemBias[item] + TensorPrimitives.Dot(latent, ItemEmbedding.AsSpan(item * LatentDimension, LatentDimension));
    }
}
