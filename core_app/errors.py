"""Every protocol error the core answers, and how it is written on the wire.

Business outcomes (``{"status": "..._ERROR"}``) are HTTP 200 and are not errors here; see
``StatusOutcome``. Everything else that is not a 200 is one of the exceptions below and is
sent as a short text body, the way the upstream core sends it (contract, conventions §9).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from core_app.logs import request_id as request_id_of

log = logging.getLogger("core_app.errors")

TEXT_CONTENT_TYPE = "text/html; charset=UTF-8"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"


class ProtocolError(Exception):
    """A non-200 answer with a text body."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(ProtocolError):
    """400: bad input, unknown app or tenant, unsupported cdi-version."""

    http_status = 400


class InvalidApiKey(ProtocolError):
    """401: the api-key is missing or matches none of the app's keys."""

    http_status = 401

    def __init__(self, message: str = "Invalid API key"):
        super().__init__(message)


class Forbidden(ProtocolError):
    """403: a scope or permission rule refuses the caller."""

    http_status = 403


class NotFound(ProtocolError):
    """404: the path matches no API."""

    http_status = 404

    def __init__(self, message: str = "Not found"):
        super().__init__(message)


class MethodNotSupported(ProtocolError):
    """405: the path is known, the method is not."""

    http_status = 405

    def __init__(self, message: str = "Method not supported"):
        super().__init__(message)


class TooManyRequests(ProtocolError):
    """429: a throttle refuses the caller for a while (the SDKs retry, then raise)."""

    http_status = 429


class ServiceUnavailable(ProtocolError):
    """503: the core cannot serve this app until the operator fixes something (its stored
    config no longer validates); the request itself was fine, so it is not a 4xx."""

    http_status = 503


def invalid_field(name: str) -> BadRequest:
    """The error for a JSON field that is missing, null or of the wrong type."""
    return BadRequest(f"Field name '{name}' is invalid in JSON input")


def invalid_json() -> BadRequest:
    """The error for a body that is not one JSON object."""
    return BadRequest("Invalid Json Input")


def tenant_not_found(connection_uri_domain: str, app_id: str, tenant_id: str) -> BadRequest:
    """The contract's answer for an unknown app or tenant (conventions §4)."""
    return BadRequest(
        "AppId or tenantId not found => Tenant with the following connectionURIDomain, "
        f"appId and tenantId combination not found: ({connection_uri_domain}, {app_id}, "
        f"{tenant_id})"
    )


class StatusOutcome(Exception):
    """A business outcome raised from deep inside a service.

    The request's transaction is rolled back and the caller gets HTTP 200 with
    ``{"status": status, **fields}``. Use it when a rule fails after some rows were
    already written, so nothing half-written survives.
    """

    def __init__(self, status: str, **fields: Any):
        super().__init__(status)
        self.body = {"status": status, **fields}


def text_response(message: str, http_status: int) -> Response:
    """A plain-text answer, with upstream's content type and trailing newline."""
    return Response(message + "\n", status=http_status, content_type=TEXT_CONTENT_TYPE)


def json_response(body: dict[str, Any]) -> Response:
    """A 200 JSON answer."""
    return Response(json.dumps(body) + "\n", status=200, content_type=JSON_CONTENT_TYPE)


def install_error_handlers(app: Flask) -> None:
    """Make every failure leave the process as the contract's text body."""

    @app.errorhandler(ProtocolError)
    def _protocol_error(error: ProtocolError) -> Response:
        return text_response(error.message, error.http_status)

    @app.errorhandler(StatusOutcome)
    def _status_outcome(outcome: StatusOutcome) -> Response:
        return json_response(outcome.body)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Response:
        # Werkzeug's own pages are HTML and 405 adds an Allow header; the contract wants
        # neither. Routing errors are mapped; anything else keeps its code, never a page.
        if isinstance(error, WerkzeugNotFound):
            return text_response("Not found", 404)
        if isinstance(error, MethodNotAllowed):
            return text_response("Method not supported", 405)
        if isinstance(error, RequestEntityTooLarge):
            limit_bytes = current_app.config["MAX_CONTENT_LENGTH"]
            return text_response(f"Request body must be at most {limit_bytes} bytes", 413)
        return text_response(error.name, error.code or 500)

    @app.errorhandler(Exception)
    def _internal_error(error: Exception) -> Response:
        request_id = request_id_of(request.environ)
        # The trace goes to the log only; the body carries the id to find it there (and
        # every line of the request in the log carries it too, core_app.logs).
        log.exception("internal error, request id %s", request_id)
        return text_response(f"Internal Error (request id {request_id})", 500)
