"""Upload limits, shared by the submission form and the API.

Each check raises django ValidationError with a code and the limit's value,
so both the form and the API's JSON error can name the limit that was hit.
Submissions that failed because of the platform (`counts_against_quota`
false) count toward neither the daily nor the running limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from elue_site.benchmark.models import Route, Status, Submission

MEGABYTE = 1024 * 1024


def check_file_sizes(files: Sequence[UploadedFile]) -> None:
    """Reject any file larger than ELUE_MAX_UPLOAD_MB."""
    limit_mb = settings.ELUE_MAX_UPLOAD_MB
    for upload in files:
        if upload.size is not None and upload.size > limit_mb * MEGABYTE:
            raise ValidationError(
                _("File %(name)s is %(size).1f MB; the limit is %(limit)s MB per file (ELUE_MAX_UPLOAD_MB)."),
                code="file_too_large",
                params={"name": upload.name, "size": upload.size / MEGABYTE, "limit": limit_mb},
            )


def check_file_count(count: int) -> None:
    """Reject more than ELUE_MAX_FILES_PER_SUBMISSION files in one submission."""
    limit = settings.ELUE_MAX_FILES_PER_SUBMISSION
    if count > limit:
        message = " ".join((
            ngettext("This submission has %(count)s file.", "This submission has %(count)s files.", count),
            ngettext("The limit is %(limit)s file per submission (ELUE_MAX_FILES_PER_SUBMISSION).",
                     "The limit is %(limit)s files per submission (ELUE_MAX_FILES_PER_SUBMISSION).", limit),
        ))
        raise ValidationError(
            message,
            code="too_many_files",
            params={"count": count, "limit": limit},
        )


def check_daily_quota(user: object) -> None:
    """Reject a submission beyond ELUE_MAX_SUBMISSIONS_PER_DAY in the last 24 hours."""
    limit = settings.ELUE_MAX_SUBMISSIONS_PER_DAY
    since = timezone.now() - timedelta(days=1)
    used = Submission.objects.filter(
        submitted_by=user, submitted_at__gte=since, counts_against_quota=True,
    ).count()
    if used >= limit:
        raise ValidationError(
            ngettext(
                "You made %(used)s submission in the last 24 hours; the limit is %(limit)s per day "
                "(ELUE_MAX_SUBMISSIONS_PER_DAY). Try again later.",
                "You made %(used)s submissions in the last 24 hours; the limit is %(limit)s per day "
                "(ELUE_MAX_SUBMISSIONS_PER_DAY). Try again later.",
                used,
            ),
            code="daily_limit",
            params={"used": used, "limit": limit},
        )


def check_running(user: object, route: str) -> None:
    """Reject an evaluation while the user has ELUE_MAX_RUNNING_PER_USER queued or running."""
    if route == Route.PAPER:
        return
    limit = settings.ELUE_MAX_RUNNING_PER_USER
    active = Submission.objects.filter(
        submitted_by=user, status__in=[Status.QUEUED, Status.RUNNING],
    ).count()
    if active >= limit:
        raise ValidationError(
            ngettext(
                "You have %(active)s evaluation queued or running; the limit is %(limit)s at once "
                "(ELUE_MAX_RUNNING_PER_USER). Wait until it finishes.",
                "You have %(active)s evaluations queued or running; the limit is %(limit)s at once "
                "(ELUE_MAX_RUNNING_PER_USER). Wait until one finishes.",
                active,
            ),
            code="running_limit",
            params={"active": active, "limit": limit},
        )


def check_upload(user: object, route: str, files: Sequence[UploadedFile]) -> None:
    """Run every upload limit, cheapest first."""
    check_file_count(len(files))
    check_file_sizes(files)
    check_daily_quota(user)
    check_running(user, route)
