"""Pages for managing one's own entries and submissions (owner; staff may read)."""

from __future__ import annotations

import logging
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from elue_site.benchmark.models import PredictionFile, Submission
from elue_site.leaderboards.boards import counted_submission_ids
from elue_site.submissions import access
from elue_site.submissions.forms import EntryForm, SubmissionForm
from elue_site.submissions.services import create_submission, delete_entry
from elue_site.submissions.status import queue_position, submission_status

logger = logging.getLogger(__name__)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """List the user's entries with their submissions and states."""
    submissions = Submission.objects.select_related("task").order_by("-submitted_at")
    entries = request.user.model_entries.prefetch_related(Prefetch("submissions", queryset=submissions))
    return render(request, "submissions/mine.html", {"entries": entries})


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user
        entry = form.save()
        messages.success(request, _("Entry created. It stays private until you publish it."))
        return redirect(entry)
    return render(request, "submissions/entry_form.html", {"form": form, "entry": None})


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.readable_entry(request, pk)
    submissions = entry.submissions.select_related("task").prefetch_related("points")
    return render(request, "submissions/entry_detail.html", {
        "entry": entry, "submissions": submissions, "is_owner": entry.owner_id == request.user.pk,
        "counted_ids": counted_submission_ids(entry.pk),
    })


def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.owned_entry(request, pk)
    form = EntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Entry saved."))
        return redirect(entry)
    return render(request, "submissions/entry_form.html", {"form": form, "entry": entry})


def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.owned_entry(request, pk)
    if request.method == "POST":
        logger.info("Entry %s deleted by its owner %s", entry.pk, request.user.pk)
        delete_entry(entry)
        messages.success(request, _("Entry deleted."))
        return redirect("submissions:mine")
    return render(request, "submissions/entry_confirm_delete.html", {"entry": entry})


@require_POST
def entry_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_public(request, pk, True)


@require_POST
def entry_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_public(request, pk, False)


def _set_public(request: HttpRequest, pk: int, public: bool) -> HttpResponse:
    entry = access.owned_entry(request, pk)
    entry.is_public = public
    entry.save(update_fields=["is_public", "updated_at"])
    logger.info("Entry %s %s by its owner", entry.pk, "published" if public else "unpublished")
    messages.success(request, _("Entry published.") if public else _("Entry is private again."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = entry.get_absolute_url()
    return redirect(target)


def submission_create(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.owned_entry(request, pk)
    form = SubmissionForm(request.POST or None, request.FILES or None, entry=entry,
                          initial={"task": request.GET.get("task")})
    if request.method == "POST" and form.is_valid():
        try:
            submission = create_submission(request.user, form.submission_request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(submission)
    return render(request, "submissions/submission_form.html", {"form": form, "entry": entry})


def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = access.readable_submission(request, pk)
    return render(request, "submissions/submission_detail.html", {
        "submission": submission,
        "queue_position": queue_position(submission),
        "points": submission.points.order_by("position"),
        "prediction_files": submission.prediction_files.order_by("position"),
        "status": submission_status(submission),
    })


@require_GET
def submission_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    submission = access.readable_submission(request, pk)
    return JsonResponse(submission_status(submission))


def submission_file(request: HttpRequest, pk: int, kind: str, position: int = 0) -> FileResponse:
    """Send an uploaded file to the entry's owner or staff, never from MEDIA_ROOT by URL."""
    submission = access.readable_submission(request, pk)
    if kind == "model" and submission.model_file:
        stored, name = submission.model_file, submission.model_file.name.rsplit("/", 1)[-1]
    elif kind == "predictions":
        try:
            prediction = submission.prediction_files.get(position=position)
        except PredictionFile.DoesNotExist:
            raise Http404("No such file") from None
        stored, name = prediction.file, prediction.original_name
    else:
        raise Http404("No such file")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
