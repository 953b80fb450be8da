using EdgeCommerce.Contracts.Recommendations;
using Google.Protobuf;
using EdgeCommerce.Recommendations.Training;

namespace EdgeCommerce.Recommendations.Onnx;

/// <summary>
/// Writes <see cref="TwoTowerWeights"/> as an ONNX model (opset 13) the edges run with ONNX Runtime.
/// ML.NET's ConvertToOnnx cannot export a field-aware factorization machine, so the graph is laid
/// out here from its weights:
/// <code>
/// viewer [1, Dv] ─MatMul(C)→ u [1, K] ─Transpose→ [K, 1]
/// items [N] ─Gather(E)→ [N, K] ─MatMul(uᵀ)→ [N, 1] ─Reshape→ [N] ─Add(Gather(B, items))─Add(viewer part)→ scores [N]
/// viewer part = MatMul(viewer, w) + ½ (ReduceSum((viewer·S)²) − MatMul(viewer², ‖S‖²))
/// </code>
/// Inputs, output and metadata key are <see cref="TwoTowerModel"/>'s. Only ids and scores leave the
/// edge; the graph's intermediate tensors never do.
/// </summary>
public static class TwoTowerOnnxWriter
{
    private const string ViewerInput = TwoTowerModel.ViewerInput;
    private const string ItemsInput = TwoTowerModel.ItemsInput;
    private const string ScoresOutput = TwoTowerModel.ScoresOutput;

    public static byte[] Write(TwoTowerWeights weights, IReadOnlyDictionary<string, string> metadata, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(metadata);
        var k = weights.LatentDimension;
        var dv = weights.ViewerDimension;
        var graph = new GraphProto { Name = "edgecommerce_two_tower" };
        graph.Input.Add(Value(ViewerInput, TensorProto.Types.DataType.Float, Dim(1), Dim(dv)));
        graph.Input.Add(Value(ItemsInput, TensorProto.Types.DataType.Int64, Param("N")));
        graph.Output.Add(Value(ScoresOutput, TensorProto.Types.DataType.Float, Param("N")));

        graph.Initializer.Add(Floats("C", weights.ViewerCross, dv, k));
        graph.Initializer.Add(Floats("S", weights.ViewerSelf, dv, k));
        graph.Initializer.Add(Floats("S_norms", weights.ViewerSelfNorms, dv, 1));
        graph.Initializer.Add(Floats("w_viewer", weights.ViewerLinear, dv, 1));
        graph.Initializer.Add(Floats("E", weights.ItemEmbedding, weights.ItemCount, k));
        graph.Initializer.Add(Floats("B", weights.ItemBias, weights.ItemCount));
        graph.Initializer.Add(Floats("half", [0.5f]));
        var flat = new TensorProto { Name = "flat", DataType = (int)TensorProto.Types.DataType.Int64 };
        flat.Dims.Add(1);
        flat.Int64Data.Add(-1);
        graph.Initializer.Add(flat);

        // Viewer tower.
        graph.Node.Add(Node("MatMul", [ViewerInput, "C"], ["u"]));
        graph.Node.Add(Node("Transpose", ["u"], ["u_t"]));
        graph.Node.Add(Node("MatMul", [ViewerInput, "S"], ["a"]));
        graph.Node.Add(Node("Mul", ["a", "a"], ["a_sq"]));
        graph.Node.Add(Node("ReduceSum", ["a_sq"], ["a_sq_sum"])); // all axes, keepdims=1: [1, 1]
        graph.Node.Add(Node("Mul", [ViewerInput, ViewerInput], ["viewer_sq"]));
        graph.Node.Add(Node("MatMul", ["viewer_sq", "S_norms"], ["self_sq"]));
        graph.Node.Add(Node("Sub", ["a_sq_sum", "self_sq"], ["pairs2"]));
        graph.Node.Add(Node("Mul", ["pairs2", "half"], ["pairs"]));
        graph.Node.Add(Node("MatMul", [ViewerInput, "w_viewer"], ["viewer_linear"]));
        graph.Node.Add(Node("Add", ["viewer_linear", "pairs"], ["viewer_part2d"]));
        graph.Node.Add(Node("Reshape", ["viewer_part2d", "flat"], ["viewer_part"]));

        // Item tower (precomputed rows) and the cross term.
        graph.Node.Add(Node("Gather", ["E", ItemsInput], ["e"]));
        graph.Node.Add(Node("MatMul", ["e", "u_t"], ["cross2d"]));
        graph.Node.Add(Node("Reshape", ["cross2d", "flat"], ["cross"]));
        graph.Node.Add(Node("Gather", ["B", ItemsInput], ["b"]));
        graph.Node.Add(Node("Add", ["cross", "b"], ["item_part"]));
        graph.Node.Add(Node("Add", ["item_part", "viewer_part"], [ScoresOutput]));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "EdgeCommerce.Recommendations",
            ProducerVersion = "1",
            Domain = "edgecommerce",
            ModelVersion = modelVersion,
            DocString = "Two-tower field-aware factorization machine (viewer features × item table).",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        foreach (var (key, value) in metadata.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        return node;
    }

    private static TensorProto Floats(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(data);
        return tensor;
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Param(string name) => new() { DimParam = name };

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
