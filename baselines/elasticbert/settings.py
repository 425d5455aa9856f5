"""The two run settings: quick (the demo, 2 CPU cores) and full (a GPU).

The quick setting was sized from the measured throughput of the 6-layer
MiniLM model on 2 idle CPU cores (benchmarks/baseline_throughput.py). Training
ran at about 20 examples/s at 64 tokens. Prediction ran at about 140
examples/s at 32 tokens, 80 at 64 and 12 at 512. IMDb's 25,000 reviews
dominate prediction time, so the quick setting cuts them to their first 64
tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from baselines.elasticbert.training import TrainingSettings


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides a run's outputs, stored with them."""

    name: str
    training: TrainingSettings
    max_train_examples: int | None
    max_dev_examples: int | None
    train_max_length: int
    predict_max_length: int
    imdb_max_length: int
    predict_batch_size: int = 32
    # Entropy thresholds as fractions of the maximum entropy ln(classes):
    # 0.6 is 0.416 nats for 2 classes and 0.659 for 3.
    entropy_fractions: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9)
    regression_patience: int = 2
    regression_tolerances: tuple[float, ...] = (0.05, 0.1, 0.2)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


QUICK = RunSettings(
    name="quick",
    # A higher learning rate than ElasticBERT's published 2e-5, because 1 epoch over
    # 1,000 examples is only 63 steps. Measured on 500 SST-2 dev sentences
    # after those steps: 2e-5 reached 56-68% accuracy over exits 1-6, 2e-4
    # reached 63-78%.
    training=TrainingSettings(learning_rate=2e-4, batch_size=16, epochs=1, early_stopping=1),
    max_train_examples=1000,
    max_dev_examples=500,
    train_max_length=64,
    predict_max_length=128,
    imdb_max_length=64,
    notes=[
        "quick setting: 1 epoch on at most 1,000 training examples per task, "
        "learning rate 2e-4, training inputs cut to 64 tokens",
        "IMDb reviews are cut to their first 64 tokens at prediction time "
        "(the full setting reads 512)",
    ],
)

FULL = RunSettings(
    name="full",
    training=TrainingSettings(learning_rate=2e-5, batch_size=32, epochs=5, early_stopping=2),
    max_train_examples=None,
    max_dev_examples=None,
    train_max_length=128,
    predict_max_length=128,
    imdb_max_length=512,
    notes=["full setting: up to 5 epochs with early stopping on dev, learning rate 2e-5"],
)

SETTINGS = {"quick": QUICK, "full": FULL}
