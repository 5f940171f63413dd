"""Shapes shared by the API's routers: loose input types, references, pages and errors.

Input types are deliberately permissive (a number where text is expected, an id as number or string, a
date as text): pydantic only rejects what cannot be a single value, and the service then gives the
field-specific message in the user's language, the same one a form or an import would show.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer, PlainValidator
from pydantic_core import PydanticCustomError

MAX_TEXT = 2000
MAX_ID = 2**63 - 1  # the largest id any of our databases stores (SQLite and PostgreSQL bigint)


def _no_nul(value: Any) -> Any:
    # PostgreSQL cannot store NUL; refuse it here as Django's form fields do, rather than fail on save.
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("null_character", "Null characters are not allowed.")
    return value


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list | tuple | set):
        raise PydanticCustomError("scalar_type", "Enter a single value, not a list or an object.")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise PydanticCustomError("text_too_long", "The value is too long.")
    return _no_nul(value)


def _text(value: Any) -> str | None:
    value = _scalar(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # A yes/no is not text: what would "false" mean as a name or a reason?
        raise PydanticCustomError("string_type", "Enter text.")
    return str(value)


def _id_or_text(value: Any) -> int | str | None:
    value = _scalar(value)
    if isinstance(value, bool):
        # Neither an id, a code nor a date: `false` must not pass for "none given".
        raise PydanticCustomError("scalar_type", "Enter an id, a code or a date, not true or false.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) > MAX_ID:
        raise PydanticCustomError("less_than_equal", "Too large.", {"le": MAX_ID})
    return value if value is None or isinstance(value, int | str) else str(value)


def _flag(value: Any) -> bool | str | None:
    value = _scalar(value)
    return value if value is None or isinstance(value, bool | str) else str(value)


# The OpenAPI document states what each of these accepts (json_schema_input_type), loose types included, so
# that a client (and the fuzzer) knows that a number is taken as text; the service checks the value.
# Text: a string (numbers are taken as their text).
Text = Annotated[str | None, PlainValidator(_text, json_schema_input_type=str | float | None)]
# An id, or a code or name the service also understands (credit code, occupation code, district code).
IdOrCode = Annotated[int | str | None, PlainValidator(_id_or_text, json_schema_input_type=int | str | None)]
# A yes/no: true/false, or what the service reads (是/否, yes/no, 1/0).
Flag = Annotated[bool | str | None, PlainValidator(_flag, json_schema_input_type=bool | str | float | None)]
# A date: 2024-05-01, also 2024/5/1, 2024年5月1日 or an Excel serial number (so no `format: date`).
DateText = Annotated[
    str | int | None,
    PlainValidator(_id_or_text, json_schema_input_type=str | int | None),
    Field(
        description="A date: 2024-05-01 (also 2024/5/1, 2024年5月1日, an Excel serial number)",
        json_schema_extra={"examples": ["2024-05-01"]},
    ),
]


def _iso_date(value: Any) -> Any:
    # A query-string date is written one way, 2024-05-01: pydantic alone would also read "0" as 1970-01-01.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Enter a valid date.")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A date in a query string (a filter): 2024-05-01.
QueryDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


# An id in a path or a filter: out-of-range numbers are an input error, not a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# A query-string value (filters, search, cursor).
QueryText = Annotated[str | None, AfterValidator(_no_nul)]


def _local_iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


# Timestamps are shown in Asia/Shanghai time, with the offset.
LocalDateTime = Annotated[datetime.datetime, PlainSerializer(_local_iso, return_type=str)]


def _document_required(schema: dict[str, Any], model: type) -> None:
    """The OpenAPI `required` list of a body: the fields its service requires (`required_fields`), which
    may not be null either. Parsing stays permissive, so that a missing field gets the service's message in
    the user's language, the same one a form or an import shows, rather than pydantic's."""
    names = [name for name in getattr(model, "required_fields", ()) if name in schema.get("properties", {})]
    if not names:
        return
    schema["required"] = names
    for name in names:
        prop = schema["properties"][name]
        options = [option for option in prop.get("anyOf", []) if option.get("type") != "null"]
        if "anyOf" in prop and options:
            if len(options) == 1:
                del prop["anyOf"]
                prop.update(options[0])
            else:
                prop["anyOf"] = options
        if isinstance(prop.get("type"), list):
            prop["type"] = [kind for kind in prop["type"] if kind != "null"]
        prop.pop("default", None)


class InputSchema(Schema):
    """Base of request bodies: unknown fields are refused by name rather than silently ignored.

    `required_fields` names the fields the service requires: they are marked required in the OpenAPI
    document, while the service (not pydantic) answers a missing one, naming it, in the user's language."""

    required_fields: ClassVar[tuple[str, ...]] = ()
    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_required)


class DistrictOut(Schema):
    id: int
    code: str = Field(description="GB/T 2260 code, or the platform's code of a functional zone")
    name: str
    kind: str = Field(description="district, county, autonomous_county or functional_zone")


class DistrictRef(Schema):
    id: int
    code: str
    name: str


class FieldError(Schema):
    field: str | None = Field(description="The input field at fault; null when the error is not one field's")
    message: str = Field(description="What is wrong and how to fix it, in the request's language")


class ErrorsOut(Schema):
    errors: list[FieldError]


class DetailOut(Schema):
    detail: str


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=500, description="Items per page (1–500)")
    cursor: QueryText = Field(None, description="`next_cursor` of the previous page; omit for the first")


ERROR_RESPONSES = {400: ErrorsOut, 401: DetailOut, 404: DetailOut, 422: ErrorsOut}
READ_RESPONSES = {401: DetailOut, 404: DetailOut, 422: ErrorsOut}
