"""Submit a packaged baseline to a running ELUE site, as a researcher's script would.

It uses the site's JSON API for the token, entries and submissions (see
docs/api.md). The API has no publish call, so it presses the entry page's
Publish button through a logged-in web session. Only the Python standard library is
used. Submitting again is safe: an entry of the same name is reused, and a
task that already has a queued, running or finished submission is skipped.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from baselines.elasticbert.package import MANIFEST_NAME

logger = logging.getLogger(__name__)

ACTIVE = ("QUEUED", "RUNNING")
DONE = ("FINISHED", "FAILED")


class SiteError(RuntimeError):
    """The site returned an error or could not be reached."""


@dataclass
class Site:
    """A logged-in connection to one ELUE site."""

    base_url: str
    username: str
    password: str
    token: str = ""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, *, body: bytes | None = None,
                content_type: str | None = None, use_token: bool = True) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if use_token and self.token:
            request.add_header("Authorization", f"Token {self.token}")
        request.add_header("Referer", self.base_url + "/")
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except urllib.error.URLError as error:
            raise SiteError(f"Cannot reach {self.base_url}: {error.reason}") from error

    def api(self, method: str, path: str, **kwargs) -> dict:
        status, body = self.request(method, "/api/v1" + path, **kwargs)
        if status >= 400:
            raise SiteError(f"{method} /api/v1{path} failed with HTTP {status}: {body[:500]!r}")
        return json.loads(body)

    def log_in(self) -> None:
        """Get an API token and a web session for the same user."""
        form = urllib.parse.urlencode({"username": self.username, "password": self.password})
        self.token = self.api("POST", "/token/", body=form.encode(),
                              content_type="application/x-www-form-urlencoded")["token"]
        self.request("GET", "/accounts/login/", use_token=False)
        fields = {"username": self.username, "password": self.password,
                  "csrfmiddlewaretoken": self._csrf_token()}
        status, _ = self.request("POST", "/accounts/login/", use_token=False,
                                 body=urllib.parse.urlencode(fields).encode(),
                                 content_type="application/x-www-form-urlencoded")
        if status >= 400 or not any(cookie.name == "sessionid" for cookie in self.cookies):
            raise SiteError(f"Logging in to {self.base_url} as {self.username} failed (HTTP {status})")

    def _csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name == "csrftoken":
                return cookie.value
        raise SiteError(f"{self.base_url} set no csrftoken cookie on its login page")

    def publish(self, entry_id: int) -> None:
        """Press the entry page's Publish button."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self._csrf_token()}).encode()
        status, _ = self.request("POST", f"/submit/entries/{entry_id}/publish/", body=body,
                                 content_type="application/x-www-form-urlencoded", use_token=False)
        if status >= 400:
            raise SiteError(f"Publishing entry {entry_id} failed with HTTP {status}")


def multipart(fields: dict[str, str], files: list[tuple[str, Path]]) -> tuple[bytes, str]:
    """Encode form fields and files as multipart/form-data; return (body, content type)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(header.encode() + value.encode() + b"\r\n")
    for name, path in files:
        header = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n')
        parts.append(header.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def find_or_create_entry(site: Site, entry: dict) -> int:
    """Return the id of the user's entry named like `entry`, creating it if absent."""
    for existing in site.api("GET", "/entries/")["entries"]:
        if existing["name"].lower() == entry["name"].lower():
            logger.info("Reusing entry %s (%s)", existing["id"], existing["name"])
            return existing["id"]
    fields = {"name": entry["name"], "kind": entry["kind"], "description": entry["description"]}
    created = site.api("POST", "/entries/", body=urllib.parse.urlencode(fields).encode(),
                       content_type="application/x-www-form-urlencoded")
    logger.info("Created entry %s (%s)", created["id"], created["name"])
    return created["id"]


def submit_tasks(site: Site, entry_id: int, tasks: dict[str, dict], submission_dir: Path,
                 *, max_running: int, poll_seconds: float = 3.0) -> dict[str, dict]:
    """Submit every task of `tasks` by the model-file route and wait for the results.

    At most `max_running` submissions are queued or running at once, the
    site's per-user limit. Returns the final status of each task's submission.
    """
    latest = _latest_by_task(site, entry_id)
    waiting = [task for task in tasks if latest.get(task, {}).get("status") not in (*ACTIVE, "FINISHED")]
    while True:
        active = [task for task, status in latest.items() if status["status"] in ACTIVE]
        while waiting and len(active) < max_running:
            task = waiting.pop(0)
            latest[task] = _submit_one(site, entry_id, task, tasks[task], submission_dir)
            active.append(task)
        if not active and not waiting:
            return {task: latest[task] for task in tasks}
        time.sleep(poll_seconds)
        for task in active:
            latest[task] = site.api("GET", f"/submissions/{latest[task]['id']}/")
            if latest[task]["status"] in DONE:
                logger.info("%s: %s", task, _describe(latest[task]))


def _latest_by_task(site: Site, entry_id: int) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for submission in site.api("GET", f"/entries/{entry_id}/")["submissions"]:
        known = latest.get(submission["task"])
        if known is None or submission["id"] > known["id"]:
            latest[submission["task"]] = submission
    return latest


def _submit_one(site: Site, entry_id: int, task: str, files: dict, submission_dir: Path) -> dict:
    fields = {"entry": str(entry_id), "task": task, "route": "model"}
    uploads = [("predictions", submission_dir / name) for name in files["predictions"]]
    uploads.append(("model_file", submission_dir / files["model_file"]))
    body, content_type = multipart(fields, uploads)
    status = site.api("POST", "/submissions/", body=body, content_type=content_type)
    logger.info("Submitted %s with %s predictions files: submission %s",
                task, len(files["predictions"]), status["id"])
    return status


def _describe(status: dict) -> str:
    if status["status"] == "FINISHED":
        return f"finished, task score {status['results']['task_score']}"
    return f"failed: {status.get('failure_reason') or status.get('errors')}"


def overall_score(results: dict[str, dict]) -> float | None:
    """Return the mean of the six task scores rounded to 2 decimals, or None if one is missing."""
    scores = [status["results"]["task_score"] for status in results.values()
              if status["status"] == "FINISHED" and status.get("results")]
    if len(scores) != 6 or any(score is None for score in scores):
        return None
    return round(sum(scores) / 6, 2)


def submit_entry(base_url: str, username: str, password: str, submission_dir: Path,
                 entry_kind: str, *, max_running: int) -> dict[str, object]:
    """Create or reuse the entry of `entry_kind`, submit its tasks, publish it.

    Returns the entry id, each task's final status, the overall score and
    the page URLs.
    """
    manifest = json.loads((submission_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    entry = next((item for item in manifest["entries"] if item["kind"] == entry_kind), None)
    if entry is None:
        raise SiteError(f"{submission_dir / MANIFEST_NAME} has no {entry_kind} entry")

    site = Site(base_url, username, password)
    site.log_in()
    entry_id = find_or_create_entry(site, entry)
    results = submit_tasks(site, entry_id, entry["tasks"], submission_dir, max_running=max_running)
    if all(status["status"] == "FINISHED" for status in results.values()):
        site.publish(entry_id)
    base = site.base_url
    return {
        "entry": entry["name"], "entry_id": entry_id, "results": results,
        "overall_score": overall_score(results),
        "urls": {
            "entry": f"{base}/entries/{entry_id}/",
            "overall": f"{base}/",
            "tasks": {task: f"{base}/tasks/{task}/" for task in entry["tasks"]},
        },
    }
