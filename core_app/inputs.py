"""Request input: the one validation path (marshmallow) for JSON bodies and query strings.

Upstream's ``InputParser`` is strict about JSON types and names the first bad field in a
fixed text (contract, conventions §9). The field classes here reproduce those rules; a
route declares a schema of them, in upstream's check order, and gets a plain dict back or
the contract's 400.
"""

from __future__ import annotations

import json
import math
import re
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

# Deeper JSON than this is refused before any view sees it: no real payload (session data,
# metadata, a provider config) comes near it, and a walk over it stays cheap and flat.
MAX_JSON_DEPTH_LEVELS = 64
# The range of the BIGINT columns and of upstream's Java ``long`` / ``int`` parameters.
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# PostgreSQL cannot store NUL in text; a lone surrogate cannot be encoded as UTF-8.
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
_NUL = "\x00"

_TYPE_ERRORS = {
    "required": _INVALID,
    "null": _INVALID,
    "invalid": _INVALID,
    "type": _INVALID,
    "not_a_list": _INVALID,
}


class JsonString(fields.String):
    """A JSON string. Numbers, booleans, objects, arrays and null are refused."""

    default_error_messages = _TYPE_ERRORS

    def __init__(
        self,
        *,
        trim: bool = False,
        lower: bool = False,
        max_length: int | None = None,
        non_empty: bool = False,
        **kwargs: Any,
    ):
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
                f"Field name '{attr}' must be at most {self.max_length} characters"
            )
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
        if isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                raise self.make_error("invalid") from None
        if not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        # 1e400 reads as infinity; a long beyond 64 bits would not fit a BIGINT column.
        if (isinstance(value, float) and not math.isfinite(value)) or not (
            LONG_MIN <= value <= LONG_MAX
        ):
            raise ValidationError(
                f"Field name '{attr}' must be an integer between {LONG_MIN} and {LONG_MAX}"
            )
        return int(value)


class JsonObject(fields.Dict):
    """A JSON object, any content; ``max_json_length`` bounds it as stored (ASCII JSON)."""

    default_error_messages = _TYPE_ERRORS

    def __init__(self, *, max_json_length: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_json_length = max_json_length

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        if self.max_json_length is not None and len(json.dumps(value)) > self.max_json_length:
            # json.dumps escapes non-ASCII, so its characters are the bytes a TEXT column holds.
            raise ValidationError(
                f"Field name '{attr}' must be at most {self.max_json_length} characters as JSON"
            )
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
    value_range = (INT_MIN, INT_MAX)  # Java's int, as upstream parses it

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:  # also a string of more digits than int() reads
            raise self.make_error("invalid") from None
        low, high = self.value_range
        if not low <= number <= high:
            raise self.make_error("invalid")
        return number


class QueryLong(QueryInt):
    """A long query parameter (``must be a long in the GET request``)."""

    default_error_messages = {"required": _MISSING, "invalid": _NOT_LONG}
    value_range = (LONG_MIN, LONG_MAX)


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
    message
    for cls in (fields.Field, fields.String, fields.List, fields.Dict)
    for message in cls.default_error_messages.values()
)


def _load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = (
            error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        )
        # Upstream stops at the first bad field in its check order: the schema's order.
        for name, field in schema.fields.items():
            key = field.data_key or name
            if key in messages:
                raise BadRequest(_field_message(key, messages[key])) from None
        raise BadRequest(_field_message("_schema", next(iter(messages.values())))) from None


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as one JSON object, or 400 ``Invalid Json Input``.

    Every string in it, keys included and at any depth, must be storable (no NUL, no lone
    surrogate), and it may nest at most ``MAX_JSON_DEPTH_LEVELS`` deep; the 400 names the
    top-level field that holds the offence.
    """
    if not raw:
        raise invalid_json()
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise invalid_json() from None
    if not isinstance(value, dict):
        raise invalid_json()
    for name, item in value.items():
        if _UNSTORABLE_CHARACTER.search(name):
            # The name itself cannot be echoed back: it may not even encode as UTF-8.
            raise BadRequest("JSON input must not contain NUL characters or unpaired surrogates")
        _check_nested_json(name, item)
    return value


def _too_deep() -> BadRequest:
    return BadRequest(f"JSON input must not be nested deeper than {MAX_JSON_DEPTH_LEVELS} levels")


def _check_nested_json(name: str, value: Any) -> None:
    # A loop with its own stack, not recursion: the depth is the client's to choose.
    pending = [(value, 2)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_storable(name, item)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH_LEVELS:
            raise _too_deep()
        if isinstance(item, dict):
            for key, child in item.items():
                _check_storable(name, key)
                pending.append((child, depth + 1))
        else:
            pending.extend((child, depth + 1) for child in item)


def _check_storable(name: str, text: str) -> None:
    found = _UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return
    if found.group() == _NUL:
        raise BadRequest(f"Field name '{name}' must not contain NUL characters")
    raise BadRequest(f"Field name '{name}' must not contain unpaired surrogates")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_body(schema: Schema, raw: bytes) -> dict[str, Any]:
    """Parse and validate a POST/PUT body with ``schema``."""
    return _load(schema, parse_json_object(raw))


def parse_query(schema: Schema, args: Mapping[str, str]) -> dict[str, Any]:
    """Validate a GET/DELETE query string with ``schema``; NUL (``%00``) is refused."""
    values = {name: args[name] for name in args}
    declared = {field.data_key or name for name, field in schema.fields.items()}
    for name, value in values.items():
        if name in declared:
            _check_storable(name, value)
    return _load(schema, values)
