#!/usr/bin/python3
"""Writes the small ONNX models the predictor's tests serve, in Triton's repository layout.

Run once, with Debian's packages (no download, no training):

    apt-get install -y python3-onnx python3-numpy
    /usr/bin/python3 tools/models/make_test_models.py

and commit what it writes under tools/models/repository/. Deterministic: the
same packages write the same bytes, so a re-run shows no diff.

- tiny-sentiment/1: a Hugging Face text classifier exactly as
  `optimum-cli export onnx --task text-classification` lays it out (config.json
  with id2label, tokenizer.json with a WordPiece vocabulary, tokenizer_config.json
  with model_max_length, model.onnx at the root, taking token_type_ids too).
- tiny-sentiment/2: the same kind of model laid out as transformers.js does
  (onnx/model.onnx), without token_type_ids, with other weights.
- tensor-demo/1: a plain ONNX model with inputs and outputs of several datatypes.
- busy/1: a plain model whose work the caller sizes (a square matmul), for the
  specs that check the event loop answers while a model computes.

The classifier is an embedding bag: the mean of the token embeddings under the
attention mask (so padding never changes an answer), then a linear layer.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "repository")

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
POSITIVE = ["good", "great", "love", "happy", "excellent", "fun", "nice", "best"]
NEGATIVE = ["bad", "terrible", "hate", "sad", "awful", "boring", "worst", "poor"]
NEUTRAL = ["the", "a", "is", "was", "it", "this", "movie", "film", "food", "and", "not", "very"]
PIECES = ["##s", "##ly", "##ing", "##ed", "##er"]
VOCAB = SPECIAL + POSITIVE + NEGATIVE + NEUTRAL + PIECES
LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
MAX_LENGTH = 16
DIM = 8


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=False)
        f.write("\n")


def save(model, path):
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def opset_model(graph):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="ml-system tools/models",
    )
    model.ir_version = IR_VERSION
    return model


def tokenizer_json():
    special = [
        {
            "id": i,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, token in enumerate(SPECIAL)
    ]

    def special_ref(token):
        return {"id": token, "ids": [VOCAB.index(token)], "tokens": [token]}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {"[CLS]": special_ref("[CLS]"), "[SEP]": special_ref("[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": {token: i for i, token in enumerate(VOCAB)},
        },
    }


def tokenizer_config():
    return {
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": MAX_LENGTH,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    }


def config_json(with_token_types):
    return {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "hidden_size": DIM,
        "id2label": {str(i): label for i, label in enumerate(LABELS)},
        "label2id": {label: i for i, label in enumerate(LABELS)},
        "max_position_embeddings": MAX_LENGTH,
        "pad_token_id": 0,
        "type_vocab_size": 2 if with_token_types else 1,
        "vocab_size": len(VOCAB),
        "transformers_version": "4.46.0",
    }


def classifier_weights(seed):
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(0.0, 0.3, size=(len(VOCAB), DIM)).astype(np.float32)
    # Dimension 0 carries sentiment; the linear layer reads it.
    for word in POSITIVE:
        embeddings[VOCAB.index(word), 0] += 2.0
    for word in NEGATIVE:
        embeddings[VOCAB.index(word), 0] -= 2.0
    weights = rng.normal(0.0, 0.2, size=(DIM, len(LABELS))).astype(np.float32)
    weights[0] = np.array([-2.0, 0.0, 2.0], dtype=np.float32)
    bias = np.array([0.0, 0.4, 0.0], dtype=np.float32)
    token_types = rng.normal(0.0, 0.1, size=(2, DIM)).astype(np.float32)
    return embeddings, weights, bias, token_types


def classifier_graph(seed, with_token_types):
    embeddings, weights, bias, token_types = classifier_weights(seed)
    batch_seq = ["batch_size", "sequence_length"]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch_seq),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch_seq),
    ]
    if with_token_types:
        inputs.append(helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, batch_seq))
    initializers = [
        numpy_helper.from_array(embeddings, "embeddings"),
        numpy_helper.from_array(weights, "classifier_weight"),
        numpy_helper.from_array(bias, "classifier_bias"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_2"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_1"),
        numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one"),
    ]
    nodes = [
        helper.make_node("Gather", ["embeddings", "input_ids"], ["token_vectors"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "axis_2"], ["mask_3d"]),
    ]
    vectors = "token_vectors"
    if with_token_types:
        initializers.append(numpy_helper.from_array(token_types, "token_type_embeddings"))
        nodes += [
            helper.make_node("Gather", ["token_type_embeddings", "token_type_ids"], ["type_vectors"]),
            helper.make_node("Add", ["token_vectors", "type_vectors"], ["all_vectors"]),
        ]
        vectors = "all_vectors"
    nodes += [
        helper.make_node("Mul", [vectors, "mask_3d"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis_1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask", "axis_1"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count_at_least_one"]),
        helper.make_node("Div", ["summed", "count_at_least_one"], ["pooled"]),
        helper.make_node("Gemm", ["pooled", "classifier_weight", "classifier_bias"], ["logits"]),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", len(LABELS)])
    ]
    return opset_model(
        helper.make_graph(nodes, "tiny_sentiment", inputs, outputs, initializer=initializers)
    )


def write_text_classifier(folder, model_path, seed, with_token_types):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config_json(with_token_types))
    write_json(os.path.join(folder, "tokenizer.json"), tokenizer_json())
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config())
    write_json(
        os.path.join(folder, "special_tokens_map.json"),
        {t: v for t, v in tokenizer_config().items() if t.endswith("_token")},
    )
    save(classifier_graph(seed, with_token_types), os.path.join(folder, model_path))


def tensor_demo():
    """y = 2x + 1 (FP32), n = k + 1 (INT32 in, INT64 out), positive = x > 0 (BOOL)."""
    inputs = [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3]),
        helper.make_tensor_value_info("k", TensorProto.INT32, ["batch"]),
    ]
    outputs = [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3]),
        helper.make_tensor_value_info("n", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("positive", TensorProto.BOOL, ["batch", 3]),
    ]
    initializers = [
        numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one_f"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one_i"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero_f"),
    ]
    nodes = [
        helper.make_node("Mul", ["x", "two"], ["doubled"]),
        helper.make_node("Add", ["doubled", "one_f"], ["y"]),
        helper.make_node("Cast", ["k"], ["k64"], to=TensorProto.INT64),
        helper.make_node("Add", ["k64", "one_i"], ["n"]),
        helper.make_node("Greater", ["x", "zero_f"], ["positive"]),
    ]
    return opset_model(
        helper.make_graph(nodes, "tensor_demo", inputs, outputs, initializer=initializers)
    )


def busy():
    """sum(A @ A) for A = x everywhere in a size[0] x size[1] matrix: work the caller picks."""
    inputs = [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
        helper.make_tensor_value_info("size", TensorProto.INT64, [2]),
    ]
    outputs = [helper.make_tensor_value_info("total", TensorProto.FLOAT, [])]
    nodes = [
        helper.make_node("Expand", ["x", "size"], ["square"]),
        helper.make_node("MatMul", ["square", "square"], ["product"]),
        helper.make_node("ReduceSum", ["product"], ["total"], keepdims=0),
    ]
    return opset_model(helper.make_graph(nodes, "busy", inputs, outputs))


def main():
    write_text_classifier(
        os.path.join(ROOT, "tiny-sentiment", "1"), "model.onnx", seed=1, with_token_types=True
    )
    write_text_classifier(
        os.path.join(ROOT, "tiny-sentiment", "2"),
        os.path.join("onnx", "model.onnx"),
        seed=2,
        with_token_types=False,
    )
    save(tensor_demo(), os.path.join(ROOT, "tensor-demo", "1", "model.onnx"))
    save(busy(), os.path.join(ROOT, "busy", "1", "model.onnx"))
    print(f"wrote the test models under {ROOT}")


if __name__ == "__main__":
    main()
