"""Small hand-built ONNX models for the runtime tests (test/onnx/session.test.ts), written with
Debian's python3-onnx into the folder given as the only argument. Weights are fixed numbers so the
test can recompute the outputs with the engine."""

import sys

import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np

out = sys.argv[1]


def save(graph, name, opset=13):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="receptive-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/{name}.onnx")


# conv_relu: y = relu(conv2d(x, w, b, padding=1)), x is (batch, 1, 4, 4) with a dynamic batch.
w = (np.arange(2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3) - 8) / 10
b = np.array([0.5, -0.25], dtype=np.float32)
save(
    helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["y"], name="relu"),
        ],
        "conv_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2, 4, 4])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    ),
    "conv_relu",
)

# two_outputs: sum = a + b, product = a * b, for (2, 3) inputs.
save(
    helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"]), helper.make_node("Mul", ["a", "b"], ["product"])],
        "two_outputs",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3]) for n in ("a", "b")],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3]) for n in ("sum", "product")],
    ),
    "two_outputs",
)

# int_input: labels (int64, [n]) -> labels * 2 (int64), and a boolean mask labels > 2.
two = numpy_helper.from_array(np.array(2, dtype=np.int64), "two")
save(
    helper.make_graph(
        [helper.make_node("Mul", ["labels", "two"], ["doubled"]), helper.make_node("Greater", ["labels", "two"], ["big"])],
        "int_input",
        [helper.make_tensor_value_info("labels", TensorProto.INT64, ["n"])],
        [
            helper.make_tensor_value_info("doubled", TensorProto.INT64, ["n"]),
            helper.make_tensor_value_info("big", TensorProto.BOOL, ["n"]),
        ],
        [two],
    ),
    "int_input",
)
