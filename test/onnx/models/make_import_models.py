"""ONNX models that exercise the importer's op table across opsets (attribute changes: Pad's pads as
attribute or input, auto_pad, Softmax before and after opset 13, BatchNormalization's is_test and
spatial, Gemm's transA/transB/alpha/beta, axes as attribute or input, Clip's bounds...), written
with Debian's python3-onnx into the folder given as the only argument, plus cases.json listing
each file with its input shape. Weights are seeded random numbers (numpy seed 0).

The test (test/onnx/import.test.ts) runs each file with ONNX Runtime and with the imported module
and compares. Opsets above 17 are written without the checker (python3-onnx 1.12 knows up to 17).
"""

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(0)
cases = []


def w(*shape, name):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.5).astype(np.float32), name)


def i64(values, name):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def f32(values, name):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def save(name, opset, nodes, x_shape, y_rank, inits=(), x_dims=None, check=True, ort_twin=None):
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims or x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * y_rank)],
        list(inits),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_import_models.py")
    model.ir_version = 3 if opset < 8 else 4 if opset < 10 else 6 if opset < 13 else 7 if opset < 15 else 8 if opset < 19 else 9
    if model.ir_version < 4:  # initializers were graph inputs too before IR 4
        model.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in model.graph.initializer)
    if check and opset <= 17:
        onnx.checker.check_model(model)
    onnx.save(model, f"{out}/{name}.onnx")
    cases.append({"name": name, "opset": opset, "input": x_shape, "ort": ort_twin or name})


N = helper.make_node
dyn = ["batch", 3, 8, 8]

# Pad: pads as attributes (opset 2..10), as an input (11+), edge/reflect modes, axes input (18+).
save("pad_attr_opset7", 7, [N("Pad", ["x"], ["y"], pads=[0, 0, 1, 2, 0, 0, 2, 1], mode="reflect")], [2, 3, 8, 8], 4)
save("pad_value_opset7", 7, [N("Pad", ["x"], ["y"], pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.5)], [2, 3, 8, 8], 4)
save("pad_input_opset13", 13, [N("Pad", ["x", "pads", "v"], ["y"], mode="constant")], [2, 3, 8, 8], 4, [i64([0, 0, 2, 0, 0, 0, 0, 3], "pads"), f32(-1.5, "v")])
save("pad_edge_opset11", 11, [N("Pad", ["x", "pads"], ["y"], mode="edge")], [2, 3, 8, 8], 4, [i64([0, 0, 1, 1, 0, 0, 1, 1], "pads")])
save("pad_axes_opset18", 18, [N("Pad", ["x", "pads", "", "axes"], ["y"], mode="reflect")], [2, 3, 8, 8], 4, [i64([2, 1, 0, 3], "pads"), i64([3, 2], "axes")])

# Conv: auto_pad SAME_UPPER / SAME_LOWER / VALID, uneven explicit pads, groups and dilation, 1-D.
for opset in (7, 11, 17):
    save(f"conv_same_upper_opset{opset}", opset, [N("Conv", ["x", "W", "B"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2], kernel_shape=[3, 3])], [2, 3, 8, 8], 4, [w(4, 3, 3, 3, name="W"), w(4, name="B")])
save("conv_same_lower", 13, [N("Conv", ["x", "W"], ["y"], auto_pad="SAME_LOWER", strides=[2, 1])], [2, 3, 7, 8], 4, [w(4, 3, 4, 4, name="W")])
save("conv_valid", 13, [N("Conv", ["x", "W", "B"], ["y"], auto_pad="VALID", group=3, dilations=[2, 1])], [2, 3, 8, 8], 4, [w(6, 1, 3, 3, name="W"), w(6, name="B")])
save("conv_uneven_pads", 13, [N("Conv", ["x", "W"], ["y"], pads=[0, 1, 2, 1], strides=[1, 2])], [2, 3, 8, 8], 4, [w(2, 3, 3, 3, name="W")])
save("conv1d", 13, [N("Conv", ["x", "W", "B"], ["y"], pads=[1, 1])], [2, 3, 9], 3, [w(4, 3, 3, name="W"), w(4, name="B")])
save("conv_transpose", 13, [N("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])], [2, 3, 5, 5], 4, [w(3, 2, 3, 3, name="W"), w(2, name="B")])

# Softmax / LogSoftmax: before 13 the input is flattened to 2-D from `axis`; from 13 one axis.
for op in ("Softmax", "LogSoftmax"):
    save(f"{op.lower()}_axis1_opset11", 11, [N(op, ["x"], ["y"], axis=1)], [2, 3, 4, 5], 4)
    save(f"{op.lower()}_default_opset11", 11, [N(op, ["x"], ["y"])], [2, 3, 4], 3)
    save(f"{op.lower()}_axis1_opset13", 13, [N(op, ["x"], ["y"], axis=1)], [2, 3, 4, 5], 4)
    save(f"{op.lower()}_default_opset13", 13, [N(op, ["x"], ["y"])], [2, 3, 4], 3)

# BatchNormalization: is_test and spatial (opset 6), spatial (7, 8), plain (9, 14, 15).
bn = lambda: [w(3, name="s"), w(3, name="b"), w(3, name="m"), numpy_helper.from_array(rng.uniform(0.5, 1.5, 3).astype(np.float32), "v")]  # noqa: E731
# ONNX Runtime has no BatchNormalization-6 kernel: the opset-6 file is compared with ONNX
# Runtime on its opset-7 twin (same weights, without is_test).
bn6 = bn()
save("bn_opset6_twin", 7, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], spatial=1, epsilon=1e-3)], [2, 3, 4, 4], 4, bn6)
save("bn_opset6", 6, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], is_test=1, spatial=1, epsilon=1e-3)], [2, 3, 4, 4], 4, bn6, ort_twin="bn_opset6_twin")
save("bn_opset7", 7, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], spatial=1)], [2, 3, 4, 4], 4, bn())
save("bn_opset15", 15, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-4, momentum=0.8)], [2, 3, 4, 4], 4, bn())
save("bn_2d_input", 13, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], [2, 3], 2, bn())

# Gemm: transB=1 (a Linear), transB=0, alpha/beta, transA.
save("gemm_linear", 13, [N("Gemm", ["x", "W", "C"], ["y"], transB=1)], [2, 6], 2, [w(4, 6, name="W"), w(4, name="C")])
save("gemm_transb0_opset9", 9, [N("Gemm", ["x", "W", "C"], ["y"])], [2, 6], 2, [w(6, 4, name="W"), w(4, name="C")])
save("gemm_alpha_beta", 11, [N("Gemm", ["x", "W", "C"], ["y"], alpha=0.5, beta=2.0, transB=1)], [2, 6], 2, [w(4, 6, name="W"), w(2, 4, name="C")])
save("gemm_transa", 13, [N("Gemm", ["x", "W"], ["y"], transA=1)], [6, 2], 2, [w(6, 4, name="W")])
save("matmul_add", 13, [N("MatMul", ["x", "W"], ["h"]), N("Add", ["h", "B"], ["y"])], [2, 5, 6], 3, [w(6, 4, name="W"), w(4, name="B")])

# Reshape / Flatten / Squeeze / Unsqueeze: shape and axes as attribute or input.
save("reshape_zero_minus1", 13, [N("Reshape", ["x", "shape"], ["y"])], [2, 3, 4, 4], 2, [i64([0, -1], "shape")])
save("flatten_axis2", 11, [N("Flatten", ["x"], ["y"], axis=2)], [2, 3, 4, 4], 2)
save("squeeze_unsqueeze_attr_opset11", 11, [N("Unsqueeze", ["x"], ["u"], axes=[0, 3]), N("Squeeze", ["u"], ["y"], axes=[0])], [2, 3, 4], 4)
save("squeeze_unsqueeze_input_opset13", 13, [N("Unsqueeze", ["x", "a"], ["u"]), N("Squeeze", ["u", "b"], ["y"])], [2, 3, 4], 4, [i64([0, 3], "a"), i64([0], "b")])
save("view_like_pytorch", 13, [
    N("Shape", ["x"], ["s"]), N("Gather", ["s", "zero"], ["n"], axis=0), N("Unsqueeze", ["n", "axes0"], ["n1"]),
    N("Concat", ["n1", "minus1"], ["shape"], axis=0), N("Reshape", ["x", "shape"], ["y"]),
], [2, 3, 4, 4], 2, [i64(0, "zero"), i64([0], "axes0"), i64([-1], "minus1")], x_dims=dyn[:1] + [3, 4, 4])

# Clip: bounds as attributes (6..10) or inputs (11+).
save("clip_attr_opset6", 6, [N("Clip", ["x"], ["y"], min=-0.5, max=0.25)], [2, 10], 2)
save("clip_relu6_opset11", 11, [N("Clip", ["x", "lo", "hi"], ["y"])], [2, 10], 2, [f32(0, "lo"), f32(6, "hi")])
save("clip_min_only_opset13", 13, [N("Clip", ["x", "lo"], ["y"])], [2, 10], 2, [f32(-0.2, "lo")])

# Pools: ceil mode, auto_pad, padding counted or not, uneven pads, global pools.
save("maxpool_ceil_opset10", 10, [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)], [2, 3, 8, 8], 4)
save("maxpool_same_upper", 13, [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")], [2, 3, 7, 7], 4)
save("maxpool_dilated", 13, [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2], pads=[1, 1, 1, 1])], [2, 3, 7, 7], 4)
save("avgpool_count_pad", 13, [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)], [2, 3, 8, 8], 4)
save("avgpool_exclude_pad_opset7", 7, [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], [2, 3, 8, 8], 4)
save("avgpool_uneven_pads", 13, [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1], count_include_pad=1)], [2, 3, 7, 7], 4)
save("global_pools", 13, [N("GlobalAveragePool", ["x"], ["a"]), N("GlobalMaxPool", ["x"], ["b"]), N("Add", ["a", "b"], ["y"])], [2, 3, 5, 6], 4)

# Reductions: axes as attribute (ReduceMean < 18) or input (ReduceSum >= 13, ReduceMean >= 18).
save("reducemean_attr_opset13", 13, [N("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=0)], [2, 3, 4, 4], 2)
save("reducemean_input_opset18", 18, [N("ReduceMean", ["x", "axes"], ["y"], keepdims=1)], [2, 3, 4, 4], 4, [i64([2, 3], "axes")])
save("reducesum_input_opset13", 13, [N("ReduceSum", ["x", "axes"], ["y"], keepdims=0)], [2, 3, 4, 4], 3, [i64([1], "axes")])

# Activations and elementwise ops, Dropout (ratio attribute before 12), Constant, Transpose.
save("activations_opset7", 7, [
    N("Relu", ["x"], ["a"]), N("LeakyRelu", ["x"], ["b"], alpha=0.2), N("Elu", ["x"], ["c"], alpha=0.5), N("Sigmoid", ["a"], ["d"]),
    N("Tanh", ["b"], ["e"]), N("Sum", ["c", "d", "e"], ["f"]), N("Dropout", ["f"], ["g"], ratio=0.3), N("Constant", [], ["k"], value=f32([2.0], "k")),
    N("Mul", ["g", "k"], ["h"]), N("HardSigmoid", ["h"], ["i"], alpha=0.3, beta=0.4), N("Sub", ["i", "x"], ["j"]), N("Abs", ["j"], ["l"]),
    N("Sqrt", ["l"], ["m"]), N("Neg", ["m"], ["o"]), N("Exp", ["o"], ["p"]), N("Transpose", ["p"], ["y"], perm=[0, 2, 1]),
], [2, 3, 4], 3)
save("dropout_opset12", 12, [N("Dropout", ["x", "r"], ["y"])], [2, 10], 2, [f32(0.1, "r")])
save("prelu_div_pow", 13, [N("PRelu", ["x", "slope"], ["a"]), N("Div", ["a", "d"], ["b"]), N("Pow", ["b", "two"], ["y"])], [2, 3, 4], 3, [w(3, 1, name="slope"), f32([1.5], "d"), f32([2.0], "two")])

# Resize / Upsample: nearest neighbour by whole factors (scales or sizes; attribute or input).
save("resize_scales_opset11", 11, [N("Resize", ["x", "roi", "s"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")], [2, 3, 4, 5], 4, [f32([], "roi"), f32([1, 1, 2, 3], "s")])
save("resize_sizes_opset13", 13, [N("Resize", ["x", "", "", "sz"], ["y"], mode="nearest")], [2, 3, 4, 5], 4, [i64([2, 3, 8, 10], "sz")])
save("resize_opset10", 10, [N("Resize", ["x", "s"], ["y"], mode="nearest")], [2, 3, 4, 5], 4, [f32([1, 1, 2, 2], "s")])
save("upsample_attr_opset7", 7, [N("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 2.0])], [2, 3, 4, 5], 4)
save("upsample_input_opset9", 9, [N("Upsample", ["x", "s"], ["y"])], [2, 3, 4, 5], 4, [f32([1, 1, 3, 2], "s")])

# Resize in every mode: the coordinate_transformation_modes, nearest_modes, linear, cubic (a,
# exclude_outside), shrinking, sizes and scales, axes (18), half_pixel_symmetric (19); Upsample linear.
def resize(name, opset, x_shape, s=None, sz=None, **attrs):
    # Opsets 11-12: roi and scales are required inputs (empty when unused).
    inputs = ["x", "" if opset >= 13 else "roi", "s" if s or opset < 13 else "", "sz" if sz else ""]
    inits = ([f32(s or [], "s")] if s or opset < 13 else []) + ([i64(sz, "sz")] if sz else [])
    inits += [f32([], "roi")] if opset < 13 else []
    save(name, opset, [N("Resize", inputs, ["y"], **attrs)], x_shape, len(x_shape), inits)


for coords in ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]:
    resize(f"resize_linear_{coords}", 13, [2, 3, 5, 4], s=[1, 1, 2, 1.5], mode="linear", coordinate_transformation_mode=coords)
    resize(f"resize_cubic_{coords}", 13, [2, 3, 5, 4], sz=[2, 3, 9, 7], mode="cubic", coordinate_transformation_mode=coords)
resize("resize_linear_shrink_to_1", 13, [2, 3, 6, 5], sz=[2, 3, 3, 1], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")
resize("resize_cubic_exclude_outside", 13, [2, 3, 5, 4], s=[1, 1, 1.7, 2.5], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1)
resize("resize_nearest_half_pixel_ceil", 13, [2, 3, 5, 4], s=[1, 1, 1.5, 2.5], mode="nearest", nearest_mode="round_prefer_ceil")
resize("resize_nearest_tf_half_pixel", 11, [2, 3, 5, 4], sz=[2, 3, 7, 9], mode="nearest", coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="ceil")
resize("resize_nearest_shrink", 13, [2, 3, 9, 8], s=[1, 1, 0.5, 0.75], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
resize("resize_nearest_3d", 13, [2, 3, 5], s=[1, 1, 2.5], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
resize("resize_axes_opset18", 18, [2, 3, 5, 4], sz=[9, 7], axes=[2, 3], mode="linear")
resize("resize_half_pixel_symmetric_opset19", 19, [2, 3, 5, 4], s=[1, 1, 1.6, 2.0], mode="linear", coordinate_transformation_mode="half_pixel_symmetric")
save("resize_linear_opset10", 10, [N("Resize", ["x", "s"], ["y"], mode="linear")], [2, 3, 4, 5], 4, [f32([1, 1, 2, 1.5], "s")])
save("upsample_linear_opset9", 9, [N("Upsample", ["x", "s"], ["y"], mode="linear")], [2, 3, 4, 5], 4, [f32([1, 1, 2, 3], "s")])
save("upsample_nearest_opset7", 7, [N("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 1.5, 2.5])], [2, 3, 4, 5], 4)

# The activations PyTorch's SiLU/Hardswish/Hardsigmoid/GELU/Mish/SELU/CELU/Softplus/PReLU export to.
save("activations_new_opset14", 14, [
    N("Selu", ["x"], ["a"]), N("Celu", ["a"], ["b"], alpha=0.7), N("Softplus", ["b"], ["c"]), N("HardSwish", ["c"], ["d"]),
    N("HardSigmoid", ["d"], ["e"], alpha=1 / 6, beta=0.5), N("Selu", ["e"], ["f"], alpha=1.5, gamma=0.9), N("Erf", ["f"], ["g"]),
    N("Sigmoid", ["g"], ["h"]), N("Mul", ["g", "h"], ["i"]), N("PRelu", ["i", "slope"], ["y"]),
], [2, 3, 4, 5], 4, [w(3, 1, 1, name="slope")])
save("mish_opset18", 18, [N("Mish", ["x"], ["y"])], [2, 3, 4], 3)
save("gelu_opset20", 20, [N("Gelu", ["x"], ["a"]), N("Gelu", ["a"], ["y"], approximate="tanh")], [2, 3, 4], 3)

# Two ops the importer does not support, to check that one error names both.
save("unsupported_two", 13, [N("Relu", ["x"], ["a"], name="ok"), N("Hardmax", ["a"], ["b"], name="hardmax_node"), N("Det", ["b"], ["y"], name="det_node")], [2, 3, 3], 1, check=False)

with open(f"{out}/cases.json", "w") as f:
    json.dump(cases, f)
