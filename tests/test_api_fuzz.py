"""Schemathesis over /api/v1/openapi.json: every operation, generated requests, no server error, no answer
outside what the document promises.

Runs through the WSGI application (no server), authenticated with a bearer token (tokens are not asked
for a second factor): as a city administrator over every operation, valid and invalid input; as a
city-wide auditor over every write operation, each of which must answer 404 whatever its input. Each run starts from the scope matrix's records (two districts,
a record of every kind) and path ids point at them part of the time, so handlers run beyond the 404.

Bounded for CI: a fixed seed, a few fuzzed examples per operation besides schemathesis's coverage cases
(boundaries, missing and wrong-typed fields). `CAREFORCE_FUZZ_EXAMPLES` raises the count for a longer run;
`CAREFORCE_FUZZ_STATS=path` appends one JSON line per request (role, operation, phase, mode, status), which
bench/api_fuzz.py sums up for docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from careforce.core.tokens import token_create
from tests.scope.common import ROLES as SCOPE_ROLES
from tests.test_scope_matrix import ROUTES
from tests.test_scope_matrix import world as world  # the scope matrix's records, as a fixture here

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CAREFORCE_FUZZ_EXAMPLES", "8"))
STATS = os.environ.get("CAREFORCE_FUZZ_STATS")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = {"city_admin": "city_admin", "auditor": "auditor_city"}
assert set(ROLES.values()) <= set(SCOPE_ROLES)

# Every check schemathesis has, with one setting changed, for a reason:
# - positive_data_acceptance also takes 422. The document states types; the services state the rules a
#   type cannot (an ID number's check character, a date not in the future, a record in your area), and
#   refuse with 422 naming the field (docs/api.md, Errors). A 500 is still a failure, and so is any answer
#   the operation does not document.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261129,
        "generation": {"max-examples": EXAMPLES, "database": "none", "mode": "all"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
            },
        },
    }
)

# Which record a path parameter names, from the scope matrix's routes ({worker_id} → its worker, …).
PATH_TARGETS = {
    key.split("{", 1)[1].split("}", 1)[0]: route.target
    for route in ROUTES
    if (key := route.key).startswith(("GET ", "POST ", "PATCH ")) and "{" in key
}


def _path_ids(world) -> dict[str, object]:
    _users, targets = world
    ids: dict[str, object] = {
        name: targets[True][target].pk for name, target in PATH_TARGETS.items() if target in targets[True]
    }
    ids["code"] = "registry_workers"
    return ids


def _schema(world, role: str):
    users, _targets = world
    _token, raw = token_create(user=users[ROLES[role]], name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG, headers=headers
    )
    schema.config.update(headers=headers)
    known = _path_ids(world)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Half the time, the ids of real records in the caller's area instead of what was generated.
        real = {name: known.get(name, value) for name, value in (path_parameters or {}).items()}
        return st.sampled_from([path_parameters, real])

    return schema


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI application closes "old" database connections at each request's start and end, and inside
    the test's transaction every connection looks old (autocommit off): on PostgreSQL that closes the
    connection holding the test's data. Django's own test client unhooks the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def city_admin_schema(world):
    return _schema(world, "city_admin")


@pytest.fixture
def auditor_schema(world):
    return _schema(world, "auditor")


def _write_refused(ctx, response, case) -> None:
    """A read-only role's write answers 404, before its input is looked at."""
    # Only the operation's own method: other methods sent to its path (405 probes) are not writes.
    method = case.method.upper()
    if method == case.operation.method.upper() in WRITE_METHODS and response.status_code != 404:
        raise AssertionError(f"a read-only role's {case.method} answered {response.status_code}, not 404")


def _record(role: str, case, response) -> None:
    meta = case.meta
    line = {
        "role": role,
        "operation": f"{case.operation.method.upper()} {case.operation.path}",
        "method": case.method.upper(),
        "phase": meta.phase.name.value if meta else None,
        "mode": meta.generation.mode.value if meta else None,
        "status": response.status_code,
    }
    with open(STATS, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


city_admin_api = schemathesis.pytest.from_fixture("city_admin_schema")
# The auditor's run covers the write operations: its reads go through the same code as the city
# administrator's above, scoped alike; what differs is that every write must answer 404.
auditor_writes = schemathesis.pytest.from_fixture("auditor_schema").include(method=sorted(WRITE_METHODS))


@city_admin_api.parametrize()
def test_every_operation_as_a_city_administrator(case):
    response = case.call()
    if STATS:
        _record("city_admin", case, response)
    case.validate_response(response)


@auditor_writes.parametrize()
def test_every_write_as_a_read_only_auditor(case):
    response = case.call()
    if STATS:
        _record("auditor", case, response)
    case.validate_response(response, additional_checks=[_write_refused])
