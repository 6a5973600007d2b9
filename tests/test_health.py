"""/healthz: 200 when the database answers, 503 when it does not, never cached."""

import io
import json
import logging

import pytest
from django.db import connection

from hallingdal.request_id import OneLineFormatter


def test_health_is_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "up", "cache": "local"}
    assert "no-store" in response["Cache-Control"]
    assert len(response.content) < 100


def test_health_has_one_fixed_address_outside_the_language_prefixes(client, db):
    assert client.get("/nn/healthz").status_code == 404
    assert client.get("/healthz/").status_code in (301, 404)


@pytest.fixture
def database_down(transactional_db):
    """Point the real connection at a database that is not there, then restore it."""
    original = dict(connection.settings_dict)
    # The in-memory SQLite test database lives only as long as its connection:
    # put that connection aside instead of closing it.
    kept = connection.connection if connection.vendor == "sqlite" else None
    connection.close()
    connection.connection = None
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/folder/db.sqlite3"
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"  # nothing listens on port 1
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)
    connection.connection = kept


def test_health_is_503_when_the_database_does_not_answer(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "database": "down",
        "cache": "local",
    }
    assert "no-store" in response["Cache-Control"]


def test_the_failure_is_logged_on_one_line_with_the_request_id(client, database_down):
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, OneLineFormatter)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        client.get("/healthz", headers={"X-Request-ID": "probe-42"})
    finally:
        handler.setStream(previous)
    errors = [line for line in stream.getvalue().splitlines() if " ERROR " in line]
    assert errors and all("[probe-42]" in line for line in errors)
    (cause,) = [line for line in errors if "the database does not answer" in line]
    assert "Traceback" in cause  # the traceback, escaped onto the same line
    assert any("Service Unavailable: /healthz" in line for line in errors)
