"""Import job routes (issue #3). Jobs are the writers' business: read-only roles get 404 even in scope."""

from careforce.core.models import Role
from careforce.imports import services
from tests import factories
from tests.scope.common import READ, WRITE, Route

CSV = "姓名,身份证号码\n".encode()


def _writers_only(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (in_scope and role in ("district_admin", "institution_admin"))


ROUTES = [
    Route("imports:job_detail", "import_job", READ, expect=_writers_only),
    Route("imports:job_report", "import_job", READ, expect=_writers_only),
    Route("imports:job_commit", "import_job", WRITE, "post", expect=_writers_only),
    Route("imports:job_cancel", "import_job", WRITE, "post", expect=_writers_only),
    Route("GET /api/v1/imports/{job_id}", "import_job", READ, expect=_writers_only),
    Route("GET /api/v1/imports/{job_id}/rows", "import_job", READ, expect=_writers_only),
    Route("POST /api/v1/imports/{job_id}/commit", "import_job", WRITE, "post", {}, expect=_writers_only),
    Route("POST /api/v1/imports/{job_id}/cancel", "import_job", WRITE, "post", {}, expect=_writers_only),
]


def make_targets(city, world):
    _users, targets = world
    jobs = {}
    for in_scope in (True, False):
        admin = factories.user(Role.INSTITUTION_ADMIN, institution=targets[in_scope]["institution"])
        jobs[in_scope] = services.import_upload(actor=admin, sheet="workers", file_name="名册.csv", data=CSV)
    return {True: {"import_job": jobs[True]}, False: {"import_job": jobs[False]}}
