"""A notes API: GET /notes lists them, POST /notes adds one (JSON body {"text": "..."})."""
from flask import Flask, jsonify, request

app = Flask(__name__)
notes: list[dict] = []


@app.get("/notes")
def list_notes():
    return jsonify(notes)


@app.post("/notes")
def add_note():
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("text"), str):
        return jsonify(error="text must be a string"), 400
    notes.append({"id": len(notes) + 1, "text": body["text"]})
    return jsonify(notes[-1]), 201
