"""Request schema of the example route."""

from core_app.plugin_api import JsonString, RequestSchema


class NoteBody(RequestSchema):
    """POST /recipe/example/note."""

    text = JsonString(required=True)
