"""Import job routes (issue #3). Jobs are the writers' business: read-only roles get 404 even in scope. A
training base's import of its sessions' results is its own (and the city's): another base's answers 404."""

from careforce.core.models import Role
from careforce.imports import services
from tests import factories
from tests.scope.common import READ, WRITE, Route

CSV = "姓名,身份证号码\n".encode()
RESULTS_CSV = "身份证号码,姓名,培训班编号\n".encode()
BASE = ("training_base",)


def _writers_only(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (in_scope and role in ("district_admin", "institution_admin"))


def _city_only(role: str, in_scope: bool) -> bool:
    return role == "city_admin"  # a base's import names no district or institution


ROUTES = [
    Route("imports:job_detail", "import_job", READ, expect=_writers_only),
    Route("imports:job_report", "import_job", READ, expect=_writers_only),
    Route("imports:job_commit", "import_job", WRITE, "post", expect=_writers_only),
    Route("imports:job_cancel", "import_job", WRITE, "post", expect=_writers_only),
    Route("GET /api/v1/imports/{job_id}", "import_job", READ, expect=_writers_only),
    Route("GET /api/v1/imports/{job_id}/rows", "import_job", READ, expect=_writers_only),
    Route("POST /api/v1/imports/{job_id}/commit", "import_job", WRITE, "post", {}, expect=_writers_only),
    Route("POST /api/v1/imports/{job_id}/cancel", "import_job", WRITE, "post", {}, expect=_writers_only),
    Route("imports:job_detail", "base_import_job", READ, expect=_city_only, owners=BASE),
    Route("imports:job_report", "base_import_job", READ, expect=_city_only, owners=BASE),
    Route("imports:job_commit", "base_import_job", WRITE, "post", expect=_city_only, owners=BASE),
    Route("imports:job_cancel", "base_import_job", WRITE, "post", expect=_city_only, owners=BASE),
    Route("GET /api/v1/imports/{job_id}", "base_import_job", READ, expect=_city_only, owners=BASE),
    Route("GET /api/v1/imports/{job_id}/rows", "base_import_job", READ, expect=_city_only, owners=BASE),
    Route(
        "POST /api/v1/imports/{job_id}/commit",
        "base_import_job",
        WRITE,
        "post",
        {},
        expect=_city_only,
        owners=BASE,
    ),
    Route(
        "POST /api/v1/imports/{job_id}/cancel",
        "base_import_job",
        WRITE,
        "post",
        {},
        expect=_city_only,
        owners=BASE,
    ),
]


def make_targets(city, world):
    _users, targets = world
    jobs = {}
    for in_scope in (True, False):
        admin = factories.user(Role.INSTITUTION_ADMIN, institution=targets[in_scope]["institution"])
        jobs[in_scope] = services.import_upload(actor=admin, sheet="workers", file_name="名册.csv", data=CSV)
    base_jobs = {}
    for in_scope in (True, False):
        account = factories.user(Role.TRAINING_BASE, training_base=targets[in_scope]["base"])
        base_jobs[in_scope] = services.import_upload(
            actor=account, sheet="training_records", file_name="结业.csv", data=RESULTS_CSV
        )
    return {
        in_scope: {"import_job": jobs[in_scope], "base_import_job": base_jobs[in_scope]}
        for in_scope in (True, False)
    }
