"""Registry and institution routes (issue #2)."""

from tests.scope.common import READ, UNMASK, WRITE, Route

UNMASK_BODY = {"field": "id_number", "reason": "核对社保信息"}

ROUTES = [
    Route("registry:worker_detail", "worker", READ),
    Route("registry:worker_edit", "worker", WRITE),
    Route("registry:worker_unmask", "worker", UNMASK, "post", UNMASK_BODY),
    Route("registry:worker_transfer", "worker", WRITE),
    Route("registry:employment_create", "worker", WRITE),
    Route("registry:employment_edit", "employment", WRITE),
    Route("registry:employment_end", "employment", WRITE),
    Route("registry:worker_verify", "worker", WRITE, "post"),
    Route("registry:employment_verify", "employment", WRITE, "post"),
    Route("institutions:institution_detail", "institution", READ),
    Route("institutions:institution_edit", "institution", WRITE),
    Route("GET /api/v1/workers/{worker_id}", "worker", READ),
    Route("PATCH /api/v1/workers/{worker_id}", "worker", WRITE, "patch", {}),
    Route("GET /api/v1/workers/{worker_id}/employments", "worker", READ),
    Route("POST /api/v1/workers/{worker_id}/employments", "worker", WRITE, "post", {}),
    Route("POST /api/v1/workers/{worker_id}/transfer", "worker", WRITE, "post", {}),
    Route("POST /api/v1/workers/{worker_id}/unmask", "worker", UNMASK, "post", UNMASK_BODY),
    Route("PATCH /api/v1/employments/{employment_id}", "employment", WRITE, "patch", {}),
    Route("POST /api/v1/employments/{employment_id}/end", "employment", WRITE, "post", {}),
    Route("POST /api/v1/workers/{worker_id}/verification", "worker", WRITE, "post", {}),
    Route("POST /api/v1/employments/{employment_id}/verification", "employment", WRITE, "post", {}),
    Route("GET /api/v1/institutions/{institution_id}", "institution", READ),
    Route("PATCH /api/v1/institutions/{institution_id}", "institution", WRITE, "patch", {}),
]
