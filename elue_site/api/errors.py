"""The API's single error shape: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# Field error codes that become the top-level code, so scripts need not parse `details`.
FIELD_CODES = frozenset({"duplicate_name", "unknown_task"})


def error_response(code: str, message: str, details: Any = None, *,
                   http_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    """Return the API error shape with `code`, `message` and `details`."""
    return Response({"error": {"code": code, "message": message, "details": details or {}}},
                    status=http_status)


def validation_error_response(error: DjangoValidationError) -> Response:
    """Turn a form-style ValidationError (upload limits, route checks) into the error shape."""
    items = error.error_list if hasattr(error, "error_list") else [error]
    first = items[0]
    messages = [str(item.message % item.params) if item.params else str(item.message) for item in items]
    return error_response(first.code or "invalid", messages[0], {"messages": messages, "params": _plain(first.params)})


def _plain(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        return {}
    return {key: value if isinstance(value, (int, float, str)) else str(value) for key, value in params.items()}


def _field_code(error: exceptions.ValidationError) -> str:
    """Return the first field error code listed in FIELD_CODES, else "invalid"."""
    codes = error.get_codes()
    fields = codes.values() if isinstance(codes, dict) else [codes]
    for field_codes in fields:
        for code in field_codes if isinstance(field_codes, list) else [field_codes]:
            if code in FIELD_CODES:
                return code
    return "invalid"


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler that renders every API error in the single error shape."""
    if isinstance(error, DjangoValidationError):
        return validation_error_response(error)
    response = drf_exception_handler(error, context)
    if response is None:
        return None
    if isinstance(error, (Http404, exceptions.NotFound)):
        code, message, details = "not_found", "Not found.", {}
    elif isinstance(error, exceptions.ValidationError):
        code, message, details = _field_code(error), "The request has invalid fields; see details.", response.data
    elif isinstance(error, exceptions.APIException):
        code, message, details = error.default_code, str(error.detail), {}
    else:
        code, message, details = "error", str(error), {}
    response.data = {"error": {"code": code, "message": message, "details": details}}
    return response
