"""Logs: one line per event, JSON by default, each line of a request naming that request.

Decisions:

- **Format.** ``log_format: json`` (the default) writes one JSON object per line
  (python-json-logger): a traceback stays inside its line instead of spreading over many
  lines that interleave between workers, and a log pipeline reads the fields without a
  parsing rule of its own. ``text`` is a one-line-per-event human format, close to
  upstream's, for a terminal.
- **Request fields.** Every line logged while a request is served carries ``request_id``,
  ``app`` and ``tenant`` (``RequestFields``, a filter on the handlers, so the lines of
  SQLAlchemy, recipes and the host alike get them). The id is the caller's
  ``X-Request-Id`` when it is a short token (``REQUEST_ID_PATTERN``: the header is hostile
  input, and a newline or a megabyte in it must not reach a log line), else a fresh one; it
  is echoed in the ``X-Request-Id`` response header and in a 500 body.
- **Gunicorn** logs through the same formatter and filter (``gunicorn_logging``, used by
  ``core_app.gunicorn_config``): its error log and an access log, one line per request
  with method, path (never the query string, which may carry emails and codes), status,
  duration and the request fields.
- **Levels.** ``log_level`` applies to the host (``core_app``), to every enabled recipe's
  package and to gunicorn; other libraries stay at WARNING. SQLAlchemy in particular
  logs statements and result rows (hashes, tokens) at INFO and DEBUG: its loggers are
  never lowered.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from core_app.tenant_prefix import ENVIRON_KEY, TenantIdentifier

LOG_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "NONE": logging.CRITICAL + 1,
}
LOG_FORMATS = ("json", "text")
REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_ENVIRON_KEY = "supertokens.request_id"
# A caller's id is kept only when it is this short token; anything else is replaced.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# App and tenant ids in a path are [a-z0-9-] but unbounded: an unknown one is cut here.
LOGGED_ID_MAX_CHARS = 64
REQUEST_FIELDS = ("request_id", "app", "tenant")
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"
TEXT_FORMAT = (
    "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s %(app)s/%(tenant)s] %(message)s"
)
# The root logger's handlers this module installed, so a second create_app replaces them.
_OWN_HANDLER = "_supertokens_core"


def log_formatter(log_format: str) -> logging.Formatter:
    """The formatter of every log line: JSON objects or one-line text."""
    if log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    return logging.Formatter(TEXT_FORMAT, defaults={name: "-" for name in REQUEST_FIELDS})


class RequestFields(logging.Filter):
    """Adds the request's id, app and tenant to every record logged while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only adds fields (a caller's own ``extra`` wins)."""
        if not hasattr(record, "request_id") and has_request_context():
            for name, value in request_fields(request.environ).items():
                setattr(record, name, value)
        return True


def request_fields(environ: Mapping[str, Any]) -> dict[str, str]:
    """The log fields of the request ``environ`` belongs to (those it has so far)."""
    fields: dict[str, str] = {}
    request_id_value = environ.get(REQUEST_ID_ENVIRON_KEY)
    if request_id_value is not None:
        fields["request_id"] = request_id_value
    tenant: TenantIdentifier | None = environ.get(ENVIRON_KEY)
    if tenant is not None:
        fields["app"] = tenant.app_id[:LOGGED_ID_MAX_CHARS]
        fields["tenant"] = tenant.tenant_id[:LOGGED_ID_MAX_CHARS]
    return fields


def request_id(environ: dict[str, Any]) -> str:
    """The request's id: the caller's ``X-Request-Id`` when it is a short token, else new.

    Decided once per request and kept in ``environ``.
    """
    known = environ.get(REQUEST_ID_ENVIRON_KEY)
    if known is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        known = given if REQUEST_ID_PATTERN.fullmatch(given) else os.urandom(16).hex()
        environ[REQUEST_ID_ENVIRON_KEY] = known
    return str(known)


def identify_requests(app: Flask) -> None:
    """Give every request its id before anything else runs, and echo it in the answer."""

    @app.before_request
    def _identify() -> None:
        request_id(request.environ)

    @app.after_request
    def _echo(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id(request.environ)
        return response


def configure_logging(settings: Mapping[str, Any], packages: Iterable[str] = ()) -> None:
    """Send the process's log lines to ``info_log_path`` / ``error_log_path`` in
    ``log_format``, at ``log_level`` for the host and the recipe ``packages``.

    The handlers sit on the root logger, so recipes' and libraries' warnings get the same
    format and request fields; a second call (another app in a test process) replaces them.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWN_HANDLER, False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = log_formatter(settings["log_format"])
    info = _handler(settings["info_log_path"], sys.stdout)
    info.setLevel(logging.DEBUG)
    info.addFilter(lambda record: record.levelno < logging.ERROR)
    error = _handler(settings["error_log_path"], sys.stderr)
    error.setLevel(logging.ERROR)
    for handler in (info, error):
        handler.setFormatter(formatter)
        handler.addFilter(RequestFields())
        setattr(handler, _OWN_HANDLER, True)
        root.addHandler(handler)
    level = LOG_LEVELS[settings["log_level"]]
    for name in {"core_app", *packages}:
        logging.getLogger(name).setLevel(level)


def _handler(path: str, stream: Any) -> logging.Handler:
    return logging.StreamHandler(stream) if path == "null" else logging.FileHandler(path)


def gunicorn_logging(settings: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its error log to ``error_log_path`` and its access log
    (at INFO, so on unless ``log_level`` is above it) to ``info_log_path``, formatted like
    the core's own lines. The root logger gets no handler here: ``create_app`` adds them."""
    level = LOG_LEVELS[settings["log_level"]]

    def destination(path: str, stream: str) -> dict[str, Any]:
        target = (
            {"class": "logging.StreamHandler", "stream": stream}
            if path == "null"
            else {"class": "logging.FileHandler", "filename": path}
        )
        return {**target, "formatter": "core", "filters": ["request"]}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestFields}},
        "formatters": {"core": {"()": log_formatter, "log_format": settings["log_format"]}},
        "handlers": {
            "access": destination(settings["info_log_path"], "ext://sys.stdout"),
            "error": destination(settings["error_log_path"], "ext://sys.stderr"),
        },
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": level, "handlers": ["access"], "propagate": False},
        },
    }
