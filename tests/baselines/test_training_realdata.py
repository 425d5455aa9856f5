"""A short fine-tuning run on real SST-2 lines beats chance on held-out lines."""

import math

import pytest
import torch

from baselines.elasticbert import data
from baselines.elasticbert.inference import predict_all_exits
from baselines.elasticbert.model import ElasticBert, default_checkpoint_dir
from baselines.elasticbert.training import TrainingSettings, train

TRAIN_LINES = 480
HELD_OUT_LINES = 400
SELECTION_LINES = 100


@pytest.mark.realdata
@pytest.mark.slow
def test_short_training_beats_chance_on_sst2(data_dir):
    task = data.task_of("SST-2")
    train_examples, dev_examples = data.load_train_dev(task, data_dir)
    train_examples = train_examples.head(TRAIN_LINES)
    held_out = dev_examples.head(HELD_OUT_LINES)
    selection = data.Examples(
        dev_examples.inputs[HELD_OUT_LINES:HELD_OUT_LINES + SELECTION_LINES],
        dev_examples.labels[HELD_OUT_LINES:HELD_OUT_LINES + SELECTION_LINES],
    )
    tokenizer = data.load_tokenizer(default_checkpoint_dir())
    train_set = data.encode(tokenizer, train_examples.inputs, train_examples.labels, 64)
    held_out_set = data.encode(tokenizer, held_out.inputs, held_out.labels, 64)
    selection_set = data.encode(tokenizer, selection.inputs, selection.labels, 64)

    # The first 2 MiniLM layers keep the run under a minute on 2 CPU cores.
    model = ElasticBert.from_pretrained(num_labels=2, num_layers=2)
    settings = TrainingSettings(learning_rate=4e-4, batch_size=16, epochs=1, early_stopping=1)
    result = train(model, train_set, selection_set, settings, regression=False)
    assert result.steps == math.ceil(TRAIN_LINES / 16)

    # Chance: always predicting the majority class of the held-out lines.
    labels = torch.tensor(held_out.labels)
    majority = max(float((labels == 0).float().mean()), float((labels == 1).float().mean()))
    # Three standard deviations of a coin-flip accuracy over these lines.
    margin = 3 * math.sqrt(0.25 / len(labels))

    last_exit = predict_all_exits(model, held_out_set)[-1]
    accuracy = float((last_exit.argmax(dim=-1) == labels).float().mean())
    assert accuracy > majority + margin, f"accuracy {accuracy:.3f}, majority class {majority:.3f}"
