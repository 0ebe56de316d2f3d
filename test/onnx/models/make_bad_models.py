"""Files for the ONNX error tests (test/onnx/errors.test.ts), written with Debian's python3-onnx
into the folder given as the only argument:
  tensor_not_model.pb        a TensorProto, which does not decode as a model
  no_graph.onnx              a ModelProto with a producer name and nothing else
  external/model.onnx        a Conv model whose weights live in external/weights.bin (ONNX external data)
  missing/model.onnx         the same model without its weights.bin
  float16.onnx               float16 weights, cast to float32 before a Conv
  dynamic.onnx               a Conv with input (batch, 3, height, width)
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(1)
W = (rng.standard_normal((2, 3, 3, 3)) * 0.5).astype(np.float32)

with open(f"{out}/tensor_not_model.pb", "wb") as f:
    f.write(numpy_helper.from_array(W, "W").SerializeToString())
with open(f"{out}/no_graph.onnx", "wb") as f:
    f.write(onnx.ModelProto(producer_name="not really a model").SerializeToString())


def conv_model(w_init, nodes=None, x_dims=(1, 3, 6, 6)):
    nodes = nodes or [helper.make_node("Conv", ["x", "W"], ["y"], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(
        nodes, "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_dims))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w_init],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


for folder in ("external", "missing"):
    os.makedirs(f"{out}/{folder}", exist_ok=True)
    m = conv_model(numpy_helper.from_array(W, "W"))
    onnx.save(m, f"{out}/{folder}/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
os.remove(f"{out}/missing/weights.bin")

half = numpy_helper.from_array(W.astype(np.float16), "W16")
onnx.save(
    conv_model(half, [helper.make_node("Cast", ["W16"], ["W"], to=TensorProto.FLOAT), helper.make_node("Conv", ["x", "W"], ["y"])]),
    f"{out}/float16.onnx",
)
onnx.save(conv_model(numpy_helper.from_array(W, "W"), x_dims=("batch", 3, "height", "width")), f"{out}/dynamic.onnx")
