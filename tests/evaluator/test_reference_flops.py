"""Reference FLOPs of ElasticBERT-BASE cut to k layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.errors import EvaluatorError
from evaluator.reference_flops import (
    ReferenceFlops,
    reference_flops,
    reference_flops_table,
    reference_mflops,
    token_counts,
)


def elasticbert_flops(tokens: int, layers: int, labels: int) -> int:
    """FLOPs of one example, derived from BERT-base's shapes.

    Per layer and token: four 768 x 768 projections, the 768 x 3072 x 2
    feed-forward network and two layer norms of 2 MACs per element. Per layer
    and token pair: QK^T and AV over 768 dimensions. Then the embedding
    LayerNorm, the 768 x 768 pooler and the 768 x labels classifier.
    """
    per_token = 4 * 768 * 768 + 2 * 768 * 3072 + 2 * 2 * 768
    per_pair = 2 * 768
    layer = per_token * tokens + per_pair * tokens**2
    macs = 2 * 768 * tokens + layers * layer + 768 * 768 + 768 * labels
    return 2 * macs


@pytest.fixture(scope="module")
def reference_two_labels() -> ReferenceFlops:
    return ReferenceFlops(num_labels=2)


@pytest.mark.parametrize(("tokens", "layers"), [(3, 1), (20, 6), (128, 12), (512, 12)])
def test_example_flops_by_hand(reference_two_labels: ReferenceFlops, tokens: int, layers: int) -> None:
    assert reference_two_labels.example_flops(tokens, layers) == elasticbert_flops(tokens, layers, 2)


def test_example_flops_near_elue_formula(reference_two_labels: ReferenceFlops) -> None:
    tokens = 300
    elue_macs = 12 * (7_080_960 * tokens + 1_560 * tokens**2) + 1_536 * tokens + 589_824 + 2 * 768

    assert reference_two_labels.example_flops(tokens, 12) == pytest.approx(2 * elue_macs, rel=0.005)


def test_regression_head_has_one_output() -> None:
    assert ReferenceFlops(num_labels=1).example_flops(10, 1) == elasticbert_flops(10, 1, 1)


def test_token_counts_single_texts() -> None:
    counts = token_counts([("Hello world",), ("HÉLLO",), ("word " * 600,)])

    # [CLS] hello world [SEP]; accents and case are stripped; truncated to 512.
    assert counts == [4, 3, 512]


def test_token_counts_pairs() -> None:
    counts = token_counts([("a b", "c"), ("word " * 400, "other " * 400)])

    # [CLS] a b [SEP] c [SEP]; a long pair is cut to 512 longest first.
    assert counts == [6, 512]


def write_sst2(data_dir: Path, sentences: list[str]) -> None:
    folder = data_dir / "SST-2"
    folder.mkdir(parents=True)
    rows = "".join(f"{index}\t{sentence}\n" for index, sentence in enumerate(sentences))
    (folder / "test.tsv").write_text("index\tsentence\n" + rows, encoding="utf-8")


def test_reference_flops_mean_over_test_set(tmp_path: Path) -> None:
    write_sst2(tmp_path, ["Hello world", "hello", "hello world again"])

    table = reference_flops_table("sst2", tmp_path, [2, 12])

    for layers in (2, 12):
        per_example = [elasticbert_flops(tokens, layers, 2) for tokens in (4, 3, 5)]
        assert table[layers] == round(sum(per_example) / 3)
    assert reference_flops("SST-2", tmp_path, 12) == table[12]
    assert reference_mflops("SST-2", tmp_path, 12) == pytest.approx(table[12] / 1e6)


@pytest.mark.parametrize("layers", [0, 13])
def test_layers_out_of_range(tmp_path: Path, layers: int) -> None:
    write_sst2(tmp_path, ["hello"])

    with pytest.raises(EvaluatorError, match="layers must be between 1 and 12"):
        reference_flops("SST-2", tmp_path, layers)


# Mean MFLOPs per test example of ElasticBERT-BASE at 12 and 6 layers, as
# published with the ELUE reference curve.
PUBLISHED_MFLOPS = {
    "SST-2": (4_238, 2_119),
    "IMDb": (49_566, 24_784),
    "SNLI": (4_695, 2_348),
    "SciTail": (6_732, 3_367),
    "MRPC": (9_117, 4_559),
    "STS-B": (4_715, 2_358),
}


@pytest.mark.realdata
@pytest.mark.parametrize(
    "task",
    [
        "SST-2",
        pytest.param("IMDb", marks=pytest.mark.slow),
        "SNLI",
        "SciTail",
        "MRPC",
        "STS-B",
    ],
)
def test_reference_flops_match_published(elue_data_dir: Path, task: str) -> None:
    table = reference_flops_table(task, elue_data_dir, [6, 12])

    twelve, six = PUBLISHED_MFLOPS[task]
    assert table[12] / 1e6 == pytest.approx(twelve, rel=0.01)
    assert table[6] / 1e6 == pytest.approx(six, rel=0.01)
