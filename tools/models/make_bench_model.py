#!/usr/bin/python3
"""Writes the bench's realistic text classifier: a BERT encoder of BERT-mini's size.

    /usr/bin/python3 tools/models/make_bench_model.py <repository-dir>

writes `<repository-dir>/mini-bert/1/` in optimum's layout (config.json, tokenizer.json,
tokenizer_config.json, model.onnx at the root). Needs Debian's python3-onnx and
python3-numpy; nothing is downloaded and nothing is trained.

Why a second model: the test repository's `tiny-sentiment` is an embedding bag of 8
dimensions whose session run takes a few microseconds, so through it the bench measures
only what serving adds around a model. The text classifiers teams ship are transformer
encoders; this one has the shape of the smallest published BERT sizes that are used as
classifiers (4 layers, hidden size 256, 4 attention heads, feed-forward 1024, 128
positions), with seeded random weights: its answers mean nothing, its cost per text is
the real thing. About 13 MB of weights, so it is made on demand, not committed.

Deterministic: the same packages write the same bytes.
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import make_test_models as base

LAYERS = 4
HIDDEN = 256
HEADS = 4
FFN = 1024
POSITIONS = 128
HEAD_DIM = HIDDEN // HEADS


class Graph:
    """Nodes and initializers under construction, with names made unique by a counter."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.initializers = []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, hint, array):
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, hint, shape):
        return self.const(hint, self.rng.normal(0.0, 0.02, size=shape).astype(np.float32))

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x, n_in, n_out, hint):
        w = self.weight(f"{hint}_weight", (n_in, n_out))
        b = self.const(f"{hint}_bias", np.zeros(n_out, dtype=np.float32))
        return self.op("Add", [self.op("MatMul", [x, w]), b], hint)

    def layer_norm(self, x, hint):
        scale = self.const(f"{hint}_scale", np.ones(HIDDEN, dtype=np.float32))
        bias = self.const(f"{hint}_bias", np.zeros(HIDDEN, dtype=np.float32))
        return self.op("LayerNormalization", [x, scale, bias], hint, axis=-1, epsilon=1e-12)

    def gelu(self, x):
        # The exact (erf) form BERT uses: x * 0.5 * (1 + erf(x / sqrt 2)).
        scaled = self.op("Div", [x, self.const("sqrt2", np.array(np.sqrt(2.0), np.float32))])
        erf = self.op("Erf", [scaled])
        one_plus = self.op("Add", [erf, self.const("one", np.array(1.0, np.float32))])
        half = self.op("Mul", [x, self.const("half", np.array(0.5, np.float32))])
        return self.op("Mul", [half, one_plus])


def encoder_layer(g, x, mask_bias, heads_shape, merged_shape, index):
    def heads(t):
        # [batch, seq, hidden] → [batch, heads, seq, head_dim]
        return g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=[0, 2, 1, 3])

    q = heads(g.linear(x, HIDDEN, HIDDEN, f"l{index}_query"))
    k = heads(g.linear(x, HIDDEN, HIDDEN, f"l{index}_key"))
    v = heads(g.linear(x, HIDDEN, HIDDEN, f"l{index}_value"))
    k_t = g.op("Transpose", [k], perm=[0, 1, 3, 2])
    scores = g.op("MatMul", [q, k_t])
    scaled = g.op("Div", [scores, g.const("sqrt_d", np.array(np.sqrt(HEAD_DIM), np.float32))])
    masked = g.op("Add", [scaled, mask_bias])
    probs = g.op("Softmax", [masked], axis=-1)
    context = g.op("MatMul", [probs, v])
    merged = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merged_shape])
    attended = g.linear(merged, HIDDEN, HIDDEN, f"l{index}_attention_output")
    x = g.layer_norm(g.op("Add", [attended, x]), f"l{index}_attention_norm")
    inner = g.gelu(g.linear(x, HIDDEN, FFN, f"l{index}_intermediate"))
    out = g.linear(inner, FFN, HIDDEN, f"l{index}_output")
    return g.layer_norm(g.op("Add", [out, x]), f"l{index}_output_norm")


def bert_graph(seed):
    g = Graph(seed)
    batch_seq = ["batch_size", "sequence_length"]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch_seq),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch_seq),
        helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, batch_seq),
    ]
    words = g.weight("word_embeddings", (len(base.VOCAB), HIDDEN))
    positions_table = g.weight("position_embeddings", (POSITIONS, HIDDEN))
    types = g.weight("token_type_embeddings", (2, HIDDEN))
    seq_len = g.op(
        "Gather",
        [g.op("Shape", ["input_ids"]), g.const("dim_1", np.array(1, np.int64))],
        axis=0,
    )
    position_ids = g.op(
        "Range",
        [g.const("zero", np.array(0, np.int64)), seq_len, g.const("step", np.array(1, np.int64))],
    )
    embedded = g.op(
        "Add",
        [
            g.op(
                "Add",
                [g.op("Gather", [words, "input_ids"]), g.op("Gather", [types, "token_type_ids"])],
            ),
            g.op("Gather", [positions_table, position_ids]),
        ],
    )
    x = g.layer_norm(embedded, "embeddings_norm")
    # Padding never takes attention: (1 - mask) * -10000 added to every score of a padded key.
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.const("one_f", np.array(1.0, np.float32)), mask])
    bias = g.op("Mul", [inverted, g.const("minus_big", np.array(-10000.0, np.float32))])
    mask_bias = g.op("Unsqueeze", [bias, g.const("axes_1_2", np.array([1, 2], np.int64))])
    heads_shape = g.const("heads_shape", np.array([0, 0, HEADS, HEAD_DIM], np.int64))
    merged_shape = g.const("merged_shape", np.array([0, 0, HIDDEN], np.int64))
    for index in range(LAYERS):
        x = encoder_layer(g, x, mask_bias, heads_shape, merged_shape, index)
    cls = g.op("Gather", [x, g.const("first", np.array(0, np.int64))], axis=1)
    pooled = g.op("Tanh", [g.linear(cls, HIDDEN, HIDDEN, "pooler")])
    weight = g.weight("classifier_weight", (HIDDEN, len(base.LABELS)))
    bias_out = g.const("classifier_bias", np.zeros(len(base.LABELS), dtype=np.float32))
    g.nodes.append(helper.make_node("MatMul", [pooled, weight], ["classifier_product"]))
    g.nodes.append(helper.make_node("Add", ["classifier_product", bias_out], ["logits"]))
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", len(base.LABELS)])
    ]
    return base.opset_model(
        helper.make_graph(g.nodes, "mini_bert", inputs, outputs, initializer=g.initializers)
    )


def config_json():
    config = base.config_json(with_token_types=True)
    config.update(
        {
            "hidden_size": HIDDEN,
            "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS,
            "intermediate_size": FFN,
            "max_position_embeddings": POSITIONS,
        }
    )
    return config


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_bench_model.py <repository-dir>")
    folder = os.path.join(sys.argv[1], "mini-bert", "1")
    os.makedirs(folder, exist_ok=True)
    base.write_json(os.path.join(folder, "config.json"), config_json())
    base.write_json(os.path.join(folder, "tokenizer.json"), base.tokenizer_json())
    tokenizer_config = base.tokenizer_config()
    tokenizer_config["model_max_length"] = POSITIONS
    base.write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config)
    base.save(bert_graph(seed=7), os.path.join(folder, "model.onnx"))
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
