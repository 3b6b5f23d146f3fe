"""Property-based fuzzing of every operation of GET /openapi.json: never a 5xx, never an ERROR.

schemathesis generates requests from the document (valid ones and, in negative mode, ones
that break the schema: wrong types, missing fields, odd strings) and sends them to the WSGI
app in-process. The criterion is only the server's: no status >= 500 and nothing logged at
ERROR (the core logs every 500 with its trace through ``core_app.errors``); 4xx answers
are the point of most of these requests.

Everything runs inside a fresh app (``/appid-<id>/...``), so the routes that remove apps
and tenants (root scope) are refused there and cannot remove the public app that the rest
of the suite uses; whatever the fuzzer creates belongs to its own app.

Reproducible: a fixed seed per operation and mode, a bounded number of examples per
operation (``FUZZ_EXAMPLES_PER_OPERATION``), no example database. Every case that ever
failed is kept as a plain regression test in test_hostile_input.py.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from core_app.testing.apps import new_app

pytestmark = pytest.mark.fuzz

FUZZ_SEED = 20261124
FUZZ_EXAMPLES_PER_OPERATION = 30  # per generation mode: about 4,500 cases, 1-2 min per database
GENERATION_MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# The cheapest hash upstream also supports, so sign-ups do not dominate the run.
CHEAP_HASHING = {"password_hashing_alg": "BCRYPT", "bcrypt_log_rounds": 4}


@pytest.fixture
def fuzz_schema(make_app):
    """The document of a core on the run's database, aimed at a fresh app of its own."""
    app = make_app(housekeeping_interval_s=0, **CHEAP_HASHING)
    client = app.test_client()
    app_id = new_app(client, {"t1": {}})
    document = client.get("/openapi.json").json
    document["servers"] = [{"url": f"/appid-{app_id}"}]
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    return schema


def test_no_operation_answers_a_server_error(fuzz_schema, caplog, database_url):
    caplog.set_level(logging.ERROR)
    started = time.monotonic()
    cases = 0
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    for index, operation in enumerate(operations):
        for mode_index, mode in enumerate(GENERATION_MODES):
            sent: list[str] = []

            @seed(FUZZ_SEED + 2 * index + mode_index)
            @settings(
                max_examples=FUZZ_EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                response = case.call()
                sent.append(case.as_curl_command())  # noqa: B023 (called before the next loop)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {case.as_curl_command()}")

            try:
                call()
            except Unsatisfiable:
                # Negative mode of an operation that takes no input: nothing to break.
                assert mode is GenerationMode.NEGATIVE and not sent
            cases += len(sent)
    errors = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
    ]
    kind = database_url.split(":", 1)[0]
    print(
        f"\nfuzz {kind}: {len(operations)} operations, {cases} cases, "
        f"{len(failures)} x 5xx, {time.monotonic() - started:.0f} s; "
        f"answers by status: {dict(sorted(statuses.items()))}"
    )
    assert failures == [] and errors == []
