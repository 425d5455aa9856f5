"""JSON API: entries and submissions of the authenticated user.

Privacy is the same as on the pages. Another user's private entry or
submission returns 404 whether it exists or not, and staff may read everything.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from elue_site.api.serializers import EntrySerializer, SubmissionCreateSerializer
from elue_site.benchmark.models import ModelEntry, Route
from elue_site.submissions import access
from elue_site.submissions.parsing import mparams_to_params, parse_mflops_list, parse_paper_points
from elue_site.submissions.services import SubmissionRequest, create_submission
from elue_site.submissions.status import submission_status


@api_view(["GET", "POST"])
def entries(request: Request) -> Response:
    """GET: the user's entries. POST: create an entry (private until published)."""
    if request.method == "GET":
        own = ModelEntry.objects.filter(owner=request.user).order_by("name")
        return Response({"entries": EntrySerializer(own, many=True).data})
    serializer = EntrySerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    entry = serializer.save(owner=request.user)
    return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@api_view(["GET"])
def entry_detail(request: Request, pk: int) -> Response:
    entry = access.readable_entry(request, pk)
    submissions = [submission_status(item) for item in entry.submissions.select_related("task")]
    return Response({**EntrySerializer(entry).data, "submissions": submissions})


@api_view(["POST"])
def submissions(request: Request) -> Response:
    """Create a submission from multipart fields; see docs/api.md."""
    serializer = SubmissionCreateSerializer(data=_multipart_data(request))
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    entry = access.owned_entry(request, data["entry"])
    submission = create_submission(request.user, _submission_request(entry, data))
    return Response(submission_status(submission), status=status.HTTP_201_CREATED)


def _multipart_data(request: Request) -> dict:
    data = {key: request.data.get(key) for key in request.data if key != "predictions"}
    data["predictions"] = request.FILES.getlist("predictions")
    return {key: value for key, value in data.items() if value is not None}


def _submission_request(entry: ModelEntry, data: dict) -> SubmissionRequest:
    route = data["route"]
    request = SubmissionRequest(entry=entry, task=data["task"], route=route)
    if route == Route.PAPER:
        request.paper_points = parse_paper_points(data.get("points", ""))
        return request
    request.predictions = list(data.get("predictions", []))
    if route == Route.PREDICTIONS:
        request.typed_flops = parse_mflops_list(data.get("mflops", ""))
        if data.get("mparams"):
            request.typed_params = mparams_to_params(data["mparams"])
    else:
        request.model_file = data.get("model_file")
    return request


@api_view(["GET"])
def submission_detail(request: Request, pk: int) -> Response:
    return Response(submission_status(access.readable_submission(request, pk)))

