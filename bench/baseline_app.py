"""The baseline: a plain Flask JSON route, served by the same gunicorn set-up as the core."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/baseline")
def baseline():
    """Parse the JSON body and answer a small JSON object, like a trivial core route."""
    body = request.get_json(force=True)
    return jsonify({"status": "OK", "echo": len(body)})
