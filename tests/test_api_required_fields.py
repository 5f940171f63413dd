"""The OpenAPI document marks as required exactly the body fields the services require.

Body fields parse permissively (InputSchema), so that a missing one gets the service's message in the
user's language; `required_fields` puts them in the document. Checked against the server itself: a POST
that omits every field must answer 422 naming each required field (a dotted name counts for its top
field: scores.attitude is scores) and no other, but for the alternatives listed below.
"""

from __future__ import annotations

import json

import pytest

from careforce.api import api as ninja_api
from tests.test_read_only_writes import TARGET
from tests.test_scope_matrix import world as world  # the scope matrix's records, as a fixture here

pytestmark = pytest.mark.django_db

# Fields a service asks for only when an alternative is missing too (named when the body is empty, yet
# not required by themselves): documented in the operation's description instead.
ALTERNATIVES: dict[str, set[str]] = {
    "POST /api/v1/complaints": {"worker"},  # or institution
    "POST /api/v1/penalties": {"worker", "effective_from"},  # or institution; effective_from: decided_on
    "POST /api/v1/pools/members": {"name", "district"},  # or worker, or evaluation_body
    # The new end: required only for a kind of certificate that never expires (else from its period).
    "POST /api/v1/skills/certificates/{certificate_id}/renew": {"valid_until"},
    "POST /api/v1/training/sessions": {"venue"},  # unless the course is online
    "POST /api/v1/timebank/records": {"volunteer"},  # or volunteer_id_number
    "POST /api/v1/timebank/sites": {"district"},  # a district administrator's own by default
    "POST /api/v1/timebank/volunteers": {"district"},  # a district administrator's own by default
    "POST /api/v1/vacancies": {"institution"},  # an institution administrator's own by default
    "POST /api/v1/vacancies/seekers": {"district"},  # a district administrator's own by default
}


def _body_schema(schema: dict, operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    ref = content["schema"]["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][ref]


def _operations():
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = _body_schema(schema, operation) if method == "post" else None
            if body is not None:
                yield f"POST {path}", body


def _url(world, key: str) -> str:
    _users, targets = world
    path = key.split(" ", 1)[1]
    start, end = path.find("{"), path.find("}")
    if start < 0:
        return path
    return path[:start] + str(targets[True][TARGET[key]].pk) + path[end + 1 :]


def test_the_required_lists_match_what_the_services_require(client, world):
    users, _targets = world
    wrong = []
    for key, body in sorted(_operations()):
        # Certificates are recorded by the issuing body's own account.
        writer = "evaluation_body" if key == "POST /api/v1/skills/certificates" else "city_admin"
        client.force_login(users[writer])
        response = client.post(_url(world, key), json.dumps({}), content_type="application/json")
        named = (
            {e["field"].split(".")[0] for e in response.json().get("errors", []) if e["field"]}
            if response.status_code == 422
            else set()
        )
        documented = set(body.get("required", []))
        expected = named - ALTERNATIVES.get(key, set())
        if documented != expected:
            wrong.append(f"{key}: document {sorted(documented)}, service {sorted(expected)}")
    if wrong:
        pytest.fail("\n".join(wrong))
