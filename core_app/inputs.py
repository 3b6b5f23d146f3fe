"""Request input: the one validation path (marshmallow) for JSON bodies and query strings.

Upstream's ``InputParser`` is strict about JSON types and names the first bad field in a
fixed text (contract, conventions §9). The field classes here reproduce those rules; a
route declares a schema of them, in upstream's check order, and gets a plain dict back or
the contract's 400.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from core_app.account_info import normalise_email, normalise_phone_number
from core_app.errors import BadRequest, invalid_field, invalid_json

# Marker texts for type failures; the parser turns them into the contract's sentences.
# Any other message a validator raises is route-specific and is sent verbatim.
_INVALID = "\x00invalid"
_MISSING = "\x00missing"
_NOT_INT = "\x00not-int"
_NOT_LONG = "\x00not-long"

_TYPE_ERRORS = {
    "required": _INVALID, "null": _INVALID, "invalid": _INVALID, "type": _INVALID,
    "not_a_list": _INVALID,
}


class JsonString(fields.String):
    """A JSON string. Numbers, booleans, objects, arrays and null are refused."""

    default_error_messages = _TYPE_ERRORS

    def __init__(self, *, trim: bool = False, lower: bool = False,
                 max_length: int | None = None, non_empty: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.trim = trim
        self.lower = lower
        self.max_length = max_length
        self.non_empty = non_empty

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if self.trim:
            value = value.strip()
        if self.non_empty and value == "":
            raise ValidationError(empty_string(attr))
        if self.lower:
            value = value.lower()
        if self.max_length is not None and len(value) > self.max_length:
            # Upstream lets the database refuse it (a 500); a column's limit is a 400 here.
            raise ValidationError(
                f"Field name '{attr}' must be at most {self.max_length} characters")
        return value


CONTACT_MAX_LENGTH = 256  # the size of every email and phone-number column


class NormalisedEmail(JsonString):
    """An email, trimmed and lower-cased (users §1), at most 256 characters."""

    def __init__(self, **kwargs: Any):
        super().__init__(max_length=CONTACT_MAX_LENGTH, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return normalise_email(super()._deserialize(value, attr, data, **kwargs))


class NormalisedPhoneNumber(JsonString):
    """A phone number in E.164 when it parses (passwordless §2.1), at most 256 characters."""

    def __init__(self, **kwargs: Any):
        super().__init__(max_length=CONTACT_MAX_LENGTH, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return normalise_phone_number(super()._deserialize(value, attr, data, **kwargs))


class JsonBoolean(fields.Boolean):
    """Only JSON ``true`` / ``false`` (upstream quietly reads numbers; we refuse them)."""

    default_error_messages = _TYPE_ERRORS

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class JsonLong(fields.Integer):
    """A JSON number, or a numeric string as upstream accepts; fractions are truncated."""

    default_error_messages = _TYPE_ERRORS

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, (int, float)):
            return int(value)
        if isinstance(value, str):
            try:
                return int(float(value)) if "." in value else int(value)
            except ValueError:
                raise self.make_error("invalid") from None
        raise self.make_error("invalid")


class JsonObject(fields.Dict):
    """A JSON object, any content."""

    default_error_messages = _TYPE_ERRORS

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return value


class JsonArray(fields.List):
    """A JSON array whose items are checked by ``cls_or_instance``."""

    default_error_messages = _TYPE_ERRORS

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryString(fields.String):
    """A query parameter; missing when required answers ``... is missing in GET request``."""

    default_error_messages = {"required": _MISSING, "null": _MISSING, "invalid": _MISSING}

    def __init__(self, *, trim: bool = False, non_empty: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.trim = trim
        self.non_empty = non_empty

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        value = value.strip() if self.trim else value
        if self.non_empty and value == "":
            raise ValidationError(empty_string(attr))
        return value


def empty_string(name: str) -> str:
    """Upstream's text for a string that is empty (after trimming, where it trims)."""
    return f"Field name '{name}' cannot be an empty String"


class QueryBoolean(fields.Field):
    """A query flag: ``true`` in any case is true, anything else false."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        return str(value).lower() == "true"


class QueryInt(fields.Field):
    """An integer query parameter (``must be an int in the GET request``)."""

    default_error_messages = {"required": _MISSING, "invalid": _NOT_INT}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        try:
            return int(str(value).strip())
        except ValueError:
            raise self.make_error("invalid") from None


class QueryLong(QueryInt):
    """A long query parameter (``must be a long in the GET request``)."""

    default_error_messages = {"required": _MISSING, "invalid": _NOT_LONG}


class RequestSchema(Schema):
    """Base for every request schema: unknown fields are ignored, as upstream does."""

    class Meta:
        unknown = EXCLUDE


def _field_message(name: str, messages: Any) -> str:
    while isinstance(messages, (list, dict)):
        if not messages:
            return invalid_field(name).message
        # A nested error (an item of an array, a key of an object) is the outer field's.
        if isinstance(messages, dict):
            return invalid_field(name).message
        messages = messages[0]
    text = str(messages)
    if text == _MISSING:
        return f"Field name '{name}' is missing in GET request"
    if text == _NOT_INT:
        return f"Field name '{name}' must be an int in the GET request"
    if text == _NOT_LONG:
        return f"Field name '{name}' must be a long in the GET request"
    if text.startswith("\x00") or text in _MARSHMALLOW_DEFAULTS:
        return invalid_field(name).message
    return text


_MARSHMALLOW_DEFAULTS = frozenset(
    message for cls in (fields.Field, fields.String, fields.List, fields.Dict)
    for message in cls.default_error_messages.values()
)


def _load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        # Upstream stops at the first bad field in its check order: the schema's order.
        for name, field in schema.fields.items():
            key = field.data_key or name
            if key in messages:
                raise BadRequest(_field_message(key, messages[key])) from None
        raise BadRequest(_field_message("_schema", next(iter(messages.values())))) from None


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as one JSON object, or 400 ``Invalid Json Input``."""
    if not raw:
        raise invalid_json()
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise invalid_json() from None
    if not isinstance(value, dict):
        raise invalid_json()
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_body(schema: Schema, raw: bytes) -> dict[str, Any]:
    """Parse and validate a POST/PUT body with ``schema``."""
    return _load(schema, parse_json_object(raw))


def parse_query(schema: Schema, args: Mapping[str, str]) -> dict[str, Any]:
    """Validate a GET/DELETE query string with ``schema``."""
    return _load(schema, {name: args[name] for name in args})
