"""A researcher's whole path in headless Chromium, against a real Celery worker.

Sign up, create an entry, submit SST-2 by route 3 (predictions with a
modules column plus a model file), watch the status reach Finished without a
reload, publish, and find the entry in the SST-2 table and plot. A second
test checks that an anonymous visitor cannot open a private entry.

The predictions are the real SST-2 test labels with every tenth example
flipped: 221 of the 2,210 rows are wrong, so accuracy is exactly 90.00.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluator import get_task, read_test_set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
HIDDEN = 128
VOCABULARY = 30522
# nn.Embedding(30522, 128) + nn.Linear(128, 128) + nn.Linear(128, 2), biases included.
EXPECTED_PARAMS = VOCABULARY * HIDDEN + (HIDDEN * HIDDEN + HIDDEN) + (HIDDEN * 2 + 2)

MODEL_FILE = f'''
"""Toy route-3 model: an embedding, one layer and one exit."""
from torch import nn

embedding = nn.Embedding({VOCABULARY}, {HIDDEN})
layer_1 = nn.Linear({HIDDEN}, {HIDDEN})
exit_1 = nn.Linear({HIDDEN}, 2)

module_list = {{"emb": embedding, "layer_1": layer_1, "exit_1": exit_1}}
entire_model = nn.ModuleDict(module_list)
'''


def data_dir() -> Path:
    override = os.environ.get("ELUE_DATA_DIR")
    return Path(override) if override else REPO_ROOT / ".." / "shared" / "data" / "elue"


@pytest.fixture
def sst2_data() -> Path:
    path = data_dir()
    if not (path / "SST-2" / "test_full.tsv").is_file():
        pytest.skip(f"ELUE task data not found at {path} (set ELUE_DATA_DIR to its location)")
    return path


def tokens(sentence: str) -> int:
    """Token count the toy model claims to run at: words plus [CLS] and [SEP]."""
    return len(sentence.split()) + 2


def write_predictions(path: Path, data: Path) -> tuple[float, float]:
    """Write route-3 predictions; return (expected accuracy x100, expected MFLOPs)."""
    test_set = read_test_set(get_task("SST-2"), data)
    lines = ["index\tpred\tmodules"]
    wrong = 0
    flops = 0
    for row, (index, inputs, gold) in enumerate(zip(test_set.indices, test_set.inputs, test_set.gold)):
        flip = row % 10 == 0
        wrong += flip
        prediction = 1 - gold if flip else gold
        n = tokens(inputs[0])
        # Linear(128, 128) on n tokens: 128*128*n MACs; exit Linear(128, 2): 256 MACs.
        flops += 2 * (HIDDEN * HIDDEN * n + HIDDEN * 2)
        lines.append(f"{index}\t{prediction}\t({n}),emb; ({n},{HIDDEN}),layer_1; ({HIDDEN}),exit_1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    total = len(test_set)
    return 100 * (total - wrong) / total, flops / total / 1e6


@pytest.fixture
def sst2_task(sst2_data, private_folders):
    """Import the SST-2 hidden labels and give the task its 6- and 12-layer reference points."""
    from elue_site.benchmark.models import ReferencePoint, Task

    task, _ = Task.objects.get_or_create(key="SST-2", defaults={"name": "SST-2", "metric": "accuracy"})
    call_command("import_task_data", str(sst2_data), "--tasks", "SST-2")
    for layers, mflops, performance in ((6, 2119, 87.0), (12, 4238, 88.6)):
        ReferencePoint.objects.update_or_create(
            task=task, layers=layers, defaults={"flops": mflops * 10**6, "performance": performance, "source": "test"},
        )
    return task


def sign_up(page, username: str, password: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def create_entry(page, name: str) -> None:
    page.goto("/submit/entries/new/")
    page.fill("input[name=name]", name)
    page.fill("input[name=affiliation]", "Browser Test Lab")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.worker
@pytest.mark.realdata
@pytest.mark.slow
def test_submit_route3_and_publish(page, screenshot, celery_worker_process, sst2_task, tmp_path):
    expected_accuracy, expected_mflops = write_predictions(tmp_path / "sst2-preds.tsv", data_dir())
    (tmp_path / "toy_model.py").write_text(MODEL_FILE, encoding="utf-8")
    assert expected_accuracy == pytest.approx(90.0)

    sign_up(page, "browser-researcher", "a-long-browser-pass-42")
    create_entry(page, "Browser Toy")
    entry_url = page.url
    assert re.search(r"/submit/entries/\d+/$", entry_url), entry_url

    page.goto(entry_url + "results/new/")
    page.select_option("select[name=task]", "SST-2")
    page.check("input[name=route][value=model]")
    page.set_input_files("input[name=predictions]", str(tmp_path / "sst2-preds.tsv"))
    page.set_input_files("input[name=model_file]", str(tmp_path / "toy_model.py"))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#submission-status")
    # The evaluation takes seconds, so the page opens before it ends.
    assert page.locator("#submission-status").text_content().strip() in {"Queued", "Running"}

    # Without a reload: the page's script polls until the worker finishes.
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    status = page.locator("#submission-status")
    page.wait_for_function(
        "['Finished', 'Failed'].includes(document.getElementById('submission-status').textContent.trim())",
        timeout=180_000,
    )
    screenshot("submission")
    failure = page.locator("#submission-failure-reason").text_content()
    assert status.text_content().strip() == "Finished", failure
    assert navigations == []
    assert page.locator("#submission-scoring-method").text_content().strip() == "elue-1"
    submission_url = page.url

    # Publish from the public entry page, then look for the entry on the SST-2 page.
    page.goto(submission_url)
    entry_id = int(re.search(r"/submit/entries/(\d+)/", entry_url).group(1))
    page.goto(f"/entries/{entry_id}/")
    page.click("#publish-entry")
    page.wait_for_load_state()
    page.goto("/tasks/SST-2/")
    page.wait_for_function("document.getElementById('task-plot').data !== undefined")
    screenshot("task-page")

    row = page.locator(f"#submitted-entries tr[data-entry-id='{entry_id}']")
    assert row.count() == 1
    assert "Browser Toy" in row.text_content()
    assert "90.00" in row.text_content()

    trace = page.evaluate(
        "() => document.getElementById('task-plot').data.find(t => t.name === 'Browser Toy')"
    )
    assert trace is not None
    assert trace["y"] == [pytest.approx(90.0)]
    assert trace["x"] == [pytest.approx(expected_mflops, rel=1e-6)]

    # The axis toggle switches plotly's x axis to log scale.
    page.click("#axis-log")
    assert page.evaluate("() => document.getElementById('task-plot').layout.xaxis.type") == "log"

    page.goto(f"/entries/{entry_id}/")
    screenshot("entry-page")
    assert page.locator("#task-SST-2").count() == 1
    params_text = page.locator("#task-SST-2 table.points").text_content()
    assert f"{EXPECTED_PARAMS / 1e6:.2f}" in params_text


def test_anonymous_cannot_open_private_entry(page, browser, live_server):
    from django.contrib.auth import get_user_model

    from elue_site.benchmark.models import ModelEntry

    owner = get_user_model().objects.create_user("private-owner", password="another-long-pass-17")
    entry = ModelEntry.objects.create(owner=owner, name="Secret Model", is_public=False)

    response = page.goto(f"/entries/{entry.pk}/")
    assert response.status == 404
    assert "Secret Model" not in page.content()

    page.goto("/")
    assert "Secret Model" not in page.content()

    # The owner, signed in within a separate browser context, can open it.
    owner_context = browser.new_context(base_url=live_server.url)
    owner_page = owner_context.new_page()
    owner_page.goto("/accounts/login/")
    owner_page.fill("input[name=username]", "private-owner")
    owner_page.fill("input[name=password]", "another-long-pass-17")
    owner_page.click("main form button[type=submit]")
    owner_page.wait_for_load_state()
    response = owner_page.goto(f"/entries/{entry.pk}/")
    assert response.status == 200
    assert "Secret Model" in owner_page.content()
    owner_context.close()
