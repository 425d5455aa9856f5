"""The real ELUE data: row counts, label counts, gold scores and MRPC by hand.

Row counts are the benchmark's test-set sizes; label counts are those listed
for each released file. Skipped when the data directory is absent.
"""

from __future__ import annotations

from collections import Counter

import pytest
from evaluator_files import write_file

from evaluator.evaluate import evaluate
from evaluator.readers import read_split, read_test_inputs, read_test_set
from evaluator.tasks import get_task

pytestmark = pytest.mark.realdata

TEST_ROWS = {
    "SST-2": 2210,
    "IMDb": 25000,
    "SNLI": 9824,
    "SciTail": 2126,
    "MRPC": 1725,
    "STS-B": 1379,
}

TEST_LABEL_COUNTS = {
    "SST-2": {0: 1143, 1: 1067},
    "IMDb": {0: 12500, 1: 12500},
    "SNLI": {0: 3368, 1: 3219, 2: 3237},
    "SciTail": {0: 1284, 1: 842},
    "MRPC": {0: 578, 1: 1147},
}

SPLIT_ROWS = [
    ("SST-2", "train", 8544),
    ("SST-2", "dev", 1101),
    ("MRPC", "train", 3668),
    ("MRPC", "dev", 408),
    ("STS-B", "train", 5749),
    ("STS-B", "dev", 1500),
    ("SNLI", "dev", 9842),
    ("SciTail", "dev", 1304),
]


@pytest.mark.parametrize("key", list(TEST_ROWS))
def test_test_set_row_counts(elue_data_dir, key):
    test_set = read_test_set(get_task(key), elue_data_dir)
    assert len(test_set) == TEST_ROWS[key]
    assert len(test_set.inputs) == TEST_ROWS[key]
    assert test_set.indices == list(range(TEST_ROWS[key]))
    assert all(len(row) == len(get_task(key).text_columns) for row in test_set.inputs)


@pytest.mark.parametrize("key", list(TEST_LABEL_COUNTS))
def test_test_label_counts(elue_data_dir, key):
    gold = read_test_set(get_task(key), elue_data_dir).gold
    assert Counter(gold) == TEST_LABEL_COUNTS[key]


def test_stsb_scores_are_in_range(elue_data_dir):
    gold = read_test_set(get_task("STS-B"), elue_data_dir).gold
    assert min(gold) >= 0.0
    assert max(gold) <= 5.0
    # The first test pair is scored 2.5.
    assert gold[0] == 2.5


@pytest.mark.parametrize(("key", "split", "rows"), SPLIT_ROWS)
def test_train_dev_row_counts(elue_data_dir, key, split, rows):
    assert len(read_split(get_task(key), elue_data_dir, split).inputs) == rows


def test_mrpc_text_is_unquoted_like_test_tsv(elue_data_dir):
    # Texts come from test.tsv, which keeps quote characters verbatim.
    inputs = read_test_inputs(get_task("MRPC"), elue_data_dir)
    assert any('"' in sentence for row in inputs for sentence in row)
    assert not any(sentence.startswith('"') and sentence.endswith('"') and '""' in sentence
                   for row in inputs for sentence in row)


def test_imdb_reviews_keep_line_breaks(elue_data_dir):
    # Some reviews contain NEL (U+0085), which str.splitlines treats as a
    # line break; the reader keeps such a review in one row.
    inputs = read_test_inputs(get_task("IMDb"), elue_data_dir)
    assert len(inputs) == 25000
    assert any("\x85" in review for (review,) in inputs)


def write_gold_predictions(folder, key, data_dir):
    test_set = read_test_set(get_task(key), data_dir)
    rows = "".join(f"{index}\t{label!r}\n" for index, label in zip(test_set.indices,
                                                                    test_set.gold))
    return write_file(folder / f"{key}-gold.tsv", "index\tpred\n" + rows)


@pytest.mark.parametrize("key", list(TEST_ROWS))
def test_gold_predictions_score_100(tmp_path, elue_data_dir, key):
    path = write_gold_predictions(tmp_path, key, elue_data_dir)
    [point] = evaluate(key, elue_data_dir, [path]).points
    assert point.examples == TEST_ROWS[key]
    assert point.performance == pytest.approx(100.0)
    for value in point.metrics.values():
        assert value == pytest.approx(100.0)


def test_mrpc_all_ones_by_hand(tmp_path, elue_data_dir):
    # 1,147 of 1,725 pairs are paraphrases: accuracy 1147/1725; every
    # prediction is positive, so TP = 1147, FP = 578, FN = 0.
    rows = "".join(f"{index}\t1\n" for index in range(1725))
    path = write_file(tmp_path / "ones.tsv", "index\tpred\n" + rows)
    [point] = evaluate("MRPC", elue_data_dir, [path]).points
    accuracy = 100 * 1147 / 1725
    f1 = 100 * 2 * 1147 / (2 * 1147 + 578)
    assert point.metrics["accuracy"] == pytest.approx(accuracy)
    assert point.metrics["f1"] == pytest.approx(f1)
    assert point.performance == pytest.approx((accuracy + f1) / 2)


def test_sst2_all_ones_by_hand(tmp_path, elue_data_dir):
    rows = "".join(f"{index}\t1\n" for index in range(2210))
    path = write_file(tmp_path / "ones.tsv", "index\tpred\n" + rows)
    [point] = evaluate("sst2", elue_data_dir, [path]).points
    assert point.performance == pytest.approx(100 * 1067 / 2210)


BERT_MODEL = """
import torch
from torch import nn
from transformers import BertConfig
from transformers.models.bert.modeling_bert import BertEmbeddings, BertLayer

config = BertConfig()
config._attn_implementation = "eager"


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = BertLayer(config)

    def forward(self, hidden):
        output = self.layer(hidden)
        return output[0] if isinstance(output, tuple) else output


class Exit(nn.Module):
    def __init__(self):
        super().__init__()
        self.pooler = nn.Linear(768, 768)
        self.classifier = nn.Linear(768, 2)

    def forward(self, cls):
        return self.classifier(torch.tanh(self.pooler(cls)))


module_list = {"emb": BertEmbeddings(config), "layer": Layer(), "exit": Exit()}
entire_model = nn.ModuleDict(module_list)
"""


@pytest.mark.slow
def test_bert_base_on_sst2_matches_reference(tmp_path, elue_data_dir):
    """A 12-layer BERT-base route-3 submission costs the reference 4,238 MFLOPs."""
    from evaluator.reference_flops import token_counts

    test_set = read_test_set(get_task("SST-2"), elue_data_dir)
    lengths = token_counts(test_set.inputs)
    rows = []
    for index, label, tokens in zip(test_set.indices, test_set.gold, lengths):
        modules = [f"({tokens}),emb"] + [f"({tokens},768),layer"] * 12 + ["(768),exit"]
        rows.append(f"{index}\t{label}\t{'; '.join(modules)}\n")
    path = write_file(tmp_path / "bert.tsv", "index\tpred\tmodules\n" + "".join(rows))
    model = write_file(tmp_path / "model.py", BERT_MODEL)

    result = evaluate("SST-2", elue_data_dir, [path], model, timeout=600)
    [point] = result.points
    assert point.performance == pytest.approx(100.0)
    assert point.mflops == pytest.approx(4238, rel=0.005)
    # 100 - p_ref(about 4,238) = 100 - 88.6 within the FLOPs tolerance.
    assert point.score == pytest.approx(11.4, abs=0.05)
    # Embeddings 23,837,184 + one layer 7,087,872 + pooler 590,592 +
    # classifier 1,538 (the layer module is shared by all 12 positions).
    assert result.params == 31_517_186
    assert result.provenance["operators"][0]["matmul"] > 0
