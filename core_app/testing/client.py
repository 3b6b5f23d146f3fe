"""A Flask test client that calls the core as a backend SDK does."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from core_app.config import SUPPORTED_CDI_VERSIONS

NEWEST_CDI_VERSION = SUPPORTED_CDI_VERSIONS[-1]


class CoreTestClient(FlaskClient):
    """Flask's test client (``.get``, ``.post``, ``.put``, ... return the response) that adds
    a ``cdi-version`` header and, when the core is configured with ``api_keys``, an
    ``api-key`` header to every request.

    A header the test passes itself wins; ``cdi_version=None`` sends no version (the core
    then speaks its newest), ``api_key=None`` sends no key.
    """

    def __init__(
        self,
        app: Flask,
        *args: Any,
        cdi_version: str | None = NEWEST_CDI_VERSION,
        api_key: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(app, *args, **kwargs)
        self.default_headers: dict[str, str] = {}
        if cdi_version is not None:
            self.default_headers["cdi-version"] = cdi_version
        if api_key is not None:
            self.default_headers["api-key"] = api_key

    def open(self, *args: Any, **kwargs: Any) -> Any:
        """Send a request with the default headers under the test's own."""
        given = list(Headers(kwargs.get("headers")).items())
        given_names = {name.lower() for name, _ in given}
        if "authorization" in given_names:  # the test's own key, which api-key would shadow
            given_names.add("api-key")
        defaults = [
            (name, value)
            for name, value in self.default_headers.items()
            if name.lower() not in given_names
        ]
        kwargs["headers"] = [*defaults, *given]
        return super().open(*args, **kwargs)


def configured_api_key(app: Flask) -> str | None:
    """The first of the core's ``api_keys`` (config file, environment or ``make_app``)."""
    keys = app.extensions["supertokens_core"].directory.base_settings.api_keys
    return keys[0] if keys else None


CONFIGURED = object()  # the api key default of core_test_client: the core's own


def core_test_client(
    app: Flask,
    cdi_version: str | None = NEWEST_CDI_VERSION,
    api_key: str | None | object = CONFIGURED,
) -> CoreTestClient:
    """A ``CoreTestClient`` of ``app``: by default it sends the newest CDI version and the
    first of the core's configured ``api_keys`` (none when it has none)."""
    key = configured_api_key(app) if api_key is CONFIGURED else api_key
    return CoreTestClient(
        app, app.response_class, use_cookies=True, cdi_version=cdi_version, api_key=key
    )
