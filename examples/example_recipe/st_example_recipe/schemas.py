"""Request schema of the example route."""

from __future__ import annotations

from core_app.plugin_api import JsonString, RequestSchema
from st_example_recipe.store import NOTE_LENGTH


class NoteBody(RequestSchema):
    """POST /<tenant>/recipe/example/note."""

    text = JsonString(required=True, max_length=NOTE_LENGTH)
