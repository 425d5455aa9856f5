"""Create the six ELUE tasks, in the column order of the published tables."""

from django.db import migrations

TASKS = [
    ("SST-2", "Stanford Sentiment Treebank (binary)", "accuracy"),
    ("IMDb", "IMDb movie reviews", "accuracy"),
    ("MRPC", "Microsoft Research Paraphrase Corpus", "acc_and_f1"),
    ("STS-B", "Semantic Textual Similarity Benchmark", "pearson_and_spearman"),
    ("SNLI", "Stanford Natural Language Inference", "accuracy"),
    ("SciTail", "SciTail textual entailment", "accuracy"),
]


def create_tasks(apps, schema_editor):
    Task = apps.get_model("benchmark", "Task")
    for position, (key, name, metric) in enumerate(TASKS):
        Task.objects.update_or_create(
            key=key, defaults={"name": name, "metric": metric, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("benchmark", "0001_initial")]

    operations = [migrations.RunPython(create_tasks, migrations.RunPython.noop)]
