"""What an application's backend built with the official SDK looks like in a test: a Flask
app with the SDK's middleware and a protected route, and an outbox that keeps the emails and
text messages the SDK would send (codes, magic links, reset and verification links).

Imports ``supertokens_python`` (the core's ``test`` extra); the rest of the kit does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, jsonify
from supertokens_python.framework.flask import Middleware
from supertokens_python.ingredients.emaildelivery.types import EmailDeliveryInterface
from supertokens_python.ingredients.smsdelivery.types import SMSDeliveryInterface
from supertokens_python.recipe.session.framework.flask import verify_session


class Outbox(EmailDeliveryInterface[Any], SMSDeliveryInterface[Any]):
    """Stands in for the SDK's email and SMS services (give it to a recipe's
    ``EmailDeliveryConfig(override=lambda _: outbox)`` / ``SMSDeliveryConfig``): ``sent``
    holds each message's template variables, oldest first."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send_email(self, template_vars: Any, user_context: dict[str, Any]) -> None:
        """Keep an email instead of sending it."""
        self.sent.append(template_vars)

    async def send_sms(self, template_vars: Any, user_context: dict[str, Any]) -> None:
        """Keep a text message instead of sending it."""
        self.sent.append(template_vars)


def sdk_web_app(answer: Callable[[Any], dict[str, Any]] | None = None) -> Flask:
    """A Flask app using the initialised SDK as an application team would: the SDK's
    front-end routes under ``/auth`` and ``GET /protected`` behind ``verify_session()``,
    answering ``{"user": <user id>}`` or what ``answer(session)`` returns. Add more routes to
    the returned app as needed."""
    app = Flask(__name__)
    Middleware(app)

    @app.get("/protected")
    @verify_session()
    def protected() -> Any:
        session = g.supertokens
        return jsonify(answer(session) if answer else {"user": session.get_user_id()})

    return app
