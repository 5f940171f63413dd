"""The API's common machinery: error responses, keyset pagination, and the districts reference list.

Errors are JSON in the request's language (LocaleMiddleware picks it; Simplified Chinese by default):
- 422 `{"errors": [{"field": "id_number", "message": "…"}]}` for input a service or pydantic refused,
- 400 the same shape for a body that is not JSON,
- 401 / 403 / 404 `{"detail": "…"}`; 404 also for records outside the caller's scope.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from careforce.core.models import District
from careforce.core.schemas import READ_RESPONSES, DistrictOut

# ---------------------------------------------------------------- errors

# Where ninja says the bad input came from; the first element of a pydantic error's location.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: Iterable[Any], *, body_params: set[str]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A body schema parameter is wrapped in its argument name ("payload"); drop it.
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    return ".".join(parts) or None


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("“%(value)s” value must be either True or False.") % {"value": error.get("input", "")}
    if kind in {"date_parsing", "date_type", "date_from_datetime_parsing"}:
        return _("Enter a valid date.")
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt"))
        }
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt"))
        }
    if kind in {"string_too_long", "text_too_long"}:
        limit = int(ctx.get("max_length", 2000))
        return ngettext(
            "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
            limit,
        ) % {"limit_value": limit, "show_value": len(str(error.get("input", "")))}
    if kind in {"json_invalid", "json_type"}:
        return _("Enter a valid JSON.")
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice. %(value)s is not one of the available choices.") % {
            "value": error.get("input", "")
        }
    if kind == "null_character":
        return _("Null characters are not allowed.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send a JSON object.")
    return _("Enter a valid value.")


def _errors_response(api: NinjaAPI, request: HttpRequest, errors: list[dict], status: int) -> HttpResponse:
    unique: list[dict] = []
    for item in errors:
        if item not in unique:
            unique.append(item)
    return api.create_response(request, {"errors": unique}, status=status)


def _on_service_validation_error(request: HttpRequest, exc: DjangoValidationError, *, api: NinjaAPI):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if name == "__all__" else name, "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    return _errors_response(api, request, errors, 422)


def _on_input_validation_error(request: HttpRequest, exc: NinjaValidationError, *, api: NinjaAPI):
    body_params = {"payload"}
    errors = []
    for error in exc.errors:
        loc = error.get("loc", ())
        field = _field_name(loc, body_params=body_params)
        if list(loc)[:1] == ["body"] and field is None and error.get("type") == "missing":
            message = _("Send the fields as a JSON object in the request body.")
        else:
            message = _pydantic_message(error)
        errors.append({"field": field, "message": message})
    return _errors_response(api, request, errors, 422)


def _on_not_found(request: HttpRequest, exc: Http404, *, api: NinjaAPI):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _on_http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI):
    if isinstance(exc, AuthenticationError):
        response = api.create_response(
            request,
            {"detail": _("Sign in, or send an API token in the header Authorization: Bearer <token>.")},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="careforce"'
        return response
    if exc.status_code == 400:
        # The only 400 ninja raises itself: a request body it could not parse as JSON.
        return _errors_response(api, request, [{"field": None, "message": _("Enter a valid JSON.")}], 400)
    if exc.status_code == 403:
        return api.create_response(
            request, {"detail": _("CSRF verification failed. Request aborted.")}, status=403
        )
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


def _on_integrity_error(request: HttpRequest, exc: IntegrityError, *, api: NinjaAPI):
    # A check a service made was overtaken by a concurrent change (two registrations of one ID at once).
    return api.create_response(
        request,
        {"detail": _("The change clashed with another one made at the same moment; please try again.")},
        status=409,
    )


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig, *, api: NinjaAPI):
    return api.create_response(request, {"detail": _("The request is too large.")}, status=413)


def install_error_handlers(api: NinjaAPI) -> None:
    from functools import partial

    api.add_exception_handler(DjangoValidationError, partial(_on_service_validation_error, api=api))
    api.add_exception_handler(NinjaValidationError, partial(_on_input_validation_error, api=api))
    api.add_exception_handler(Http404, partial(_on_not_found, api=api))
    api.add_exception_handler(HttpError, partial(_on_http_error, api=api))
    api.add_exception_handler(IntegrityError, partial(_on_integrity_error, api=api))
    api.add_exception_handler(RequestDataTooBig, partial(_on_too_big, api=api))


# ---------------------------------------------------------------- keyset pagination

_CURSOR_VERSION = "1"


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_VERSION}:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _sep, pk = text.partition(":")
        if version != _CURSOR_VERSION or not pk.isdigit():
            raise ValueError(text)
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DjangoValidationError(
            {"cursor": [_("This cursor is not valid; start again from the first page.")]}
        ) from None


def paginate(qs: QuerySet, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of `qs` by id descending, and the cursor of the next.

    Keyset, not offset: a page starts below the last id seen, so rows added meanwhile (higher ids) never
    shift or repeat items, and no page costs a COUNT of the table. One query per page (limit + 1 rows).
    """
    qs = qs.order_by("-pk")
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows: list[Model] = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].pk) if more and rows else None}


# ---------------------------------------------------------------- reference data

router = Router(tags=["reference"])


@router.get("/districts", response={200: list[DistrictOut], **READ_RESPONSES}, summary="Districts (区县)")
def list_districts(request: HttpRequest):
    """The 41 county-level units of Chongqing and functional zones, in the usual order."""
    return list(District.objects.order_by("sort_order", "code"))
