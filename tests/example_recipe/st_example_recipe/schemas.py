"""Request schema of the example route."""

from core_app.inputs import JsonString, RequestSchema


class NoteBody(RequestSchema):
    """POST /recipe/example/note."""

    text = JsonString(required=True)
