"""Time FLOPs counting: traces per second in process and in the sandbox,
and the reference FLOPs of every task.

Usage, from the repository root:
    PYTHONPATH=. .venv/bin/python benchmarks/flops_speed.py [DATA_DIR]

1. A BERT-base layer traced at 64, 256 and 512 tokens, on the meta device
   and on the CPU, in this process.
2. A model file with BERT-base embeddings, 12 layers and 12 exits, measured
   in the bubblewrap sandbox at every 16th token count from 16 to 512
   (32 lengths, 25 modules). Per-length cost is what bounds a dynamic IMDb
   submission, which has about 490 distinct lengths.
3. reference_flops_table() at 12 and 6 layers for each task in DATA_DIR
   (default ../shared/data/elue), when present.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

MODEL_FILE = """
import torch
from torch import nn
from transformers import BertConfig
from transformers.models.bert.modeling_bert import BertEmbeddings, BertLayer

config = BertConfig()
config._attn_implementation = "sdpa"


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = BertLayer(config)

    def forward(self, x):
        return self.layer(x)[0]


class Exit(nn.Module):
    def __init__(self):
        super().__init__()
        self.pooler = nn.Linear(768, 768)
        self.classifier = nn.Linear(768, 2)

    def forward(self, cls):
        return self.classifier(torch.tanh(self.pooler(cls)))


embeddings = BertEmbeddings(config)
layers = [Layer() for _ in range(12)]
exits = [Exit() for _ in range(12)]
module_list = {"emb": embeddings}
for number in range(1, 13):
    module_list[f"layer_{number}"] = layers[number - 1]
    module_list[f"exit_{number}"] = exits[number - 1]
entire_model = nn.ModuleList([embeddings, *layers, *exits])
"""


def time_in_process() -> None:
    from transformers import BertConfig
    from transformers.models.bert.modeling_bert import BertLayer

    from evaluator.flops import FlopCounter

    config = BertConfig()
    config._attn_implementation = "sdpa"
    layer = BertLayer(config)
    for try_meta in (True, False):
        counter = FlopCounter({"layer": layer}, try_meta=try_meta)
        for tokens in (64, 256, 512):
            started = time.perf_counter()
            counter.count("layer", (tokens, 768))
            device = "meta" if try_meta else "cpu"
            print(f"in process, {device}: BERT-base layer at {tokens} tokens: {time.perf_counter() - started:.3f} s")


def time_sandbox() -> None:
    from evaluator.predictions import ModuleShape
    from evaluator.sandbox import measure_model_file

    requests = [ModuleShape(f"exit_{number}", (768,)) for number in range(1, 13)]
    for tokens in range(16, 513, 16):
        requests.append(ModuleShape("emb", (tokens,)))
        requests += [ModuleShape(f"layer_{number}", (tokens, 768)) for number in range(1, 13)]

    with tempfile.TemporaryDirectory() as directory:
        model_file = Path(directory) / "elasticbert.py"
        model_file.write_text(MODEL_FILE, encoding="utf-8")
        measurement = measure_model_file(model_file, requests)
    seconds = measurement.wall_seconds
    print(f"sandbox: {len(requests)} module shapes in {seconds:.1f} s, {len(requests) / seconds:.1f} per second")


def time_reference(data_dir: Path) -> None:
    from evaluator.reference_flops import reference_flops_table

    if not (data_dir / "SST-2" / "test.tsv").is_file():
        print(f"reference FLOPs: skipped, no task data in {data_dir}")
        return
    for task in ("SST-2", "IMDb", "SNLI", "SciTail", "MRPC", "STS-B"):
        started = time.perf_counter()
        table = reference_flops_table(task, data_dir, [12, 6])
        elapsed = time.perf_counter() - started
        print(f"reference FLOPs {task}: 12 layers {table[12] / 1e6:,.1f} MFLOPs, "
              f"6 layers {table[6] / 1e6:,.1f} MFLOPs, {elapsed:.1f} s")


def main() -> None:
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "elue"
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    time_in_process()
    time_sandbox()
    time_reference(data_dir)


if __name__ == "__main__":
    main()
