"""The REST API under /api/v1/ (Django Ninja). Routers live in each app's api.py.

Every route needs a signed-in session or a bearer token (see careforce.core.api_auth and docs/api.md).
The docs page serves Swagger UI from our own static files, since the intranet has no CDN. In production the
document and the page need a signed-in account (docs_access).
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from careforce.conduct.api import router as conduct_router
from careforce.core import api as core_api
from careforce.core.api_auth import AUTH
from careforce.core.schemas import DetailOut
from careforce.core.tokens import token_user
from careforce.credit.api import router as credit_router
from careforce.imports.api import router as imports_router
from careforce.incentives.api import router as incentives_router
from careforce.indicators.api import router as indicators_router
from careforce.institutions.api import router as institutions_router
from careforce.pools.api import router as pools_router
from careforce.rankings.api import router as rankings_router
from careforce.recognition.api import router as recognition_router
from careforce.registry.api import router as registry_router
from careforce.skills.api import router as skills_router
from careforce.staffing.api import router as staffing_router
from careforce.timebank.api import router as timebank_router
from careforce.training.api import router as training_router
from careforce.vacancies.api import router as vacancies_router


class VendoredSwagger(Swagger):
    """Ninja's Swagger page, rendered from careforce/templates/ninja/swagger.html with vendored assets
    (careforce/static/vendor/swagger-ui/) instead of a CDN."""

    template = "ninja/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(request, self.template, {"swagger_settings": self.settings, "api": api})


def _signed_in(request: HttpRequest) -> bool:
    if request.user.is_authenticated:  # a session past its second step (careforce.core.sessions)
        return True
    scheme, _sep, raw = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and token_user(raw.strip()) is not None


def docs_access(view):
    """The OpenAPI document and the docs page describe every route and field: in production only for a
    signed-in account (a browser session or a bearer token); the page sends others to the sign-in page,
    the document answers 401. Open in development (settings.API_DOCS_PUBLIC)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if settings.API_DOCS_PUBLIC or _signed_in(request):
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            response = JsonResponse(
                {"detail": _("Sign in, or send a bearer token, to read the API description.")},
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
        return redirect_to_login(request.get_full_path())

    return wrapper


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Chinese written as is (UTF-8), not as \\u escapes: readable in curl and logs."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="CareForce API",
    version="1",
    description="养老服务人才信息平台 REST API. Authentication, pagination and errors: docs/api.md.",
    urls_namespace="api",
    auth=AUTH,
    renderer=UnicodeJSONRenderer(),
    docs=VendoredSwagger(settings={"persistAuthorization": False}),
    docs_decorator=docs_access,
)
core_api.install_error_handlers(api)
api.add_router("", core_api.router)
api.add_router("", institutions_router)
api.add_router("", registry_router)
api.add_router("", imports_router)
api.add_router("", training_router)
api.add_router("", skills_router)
api.add_router("", pools_router)
api.add_router("", conduct_router)
api.add_router("", credit_router)
api.add_router("", rankings_router)
api.add_router("", indicators_router)
api.add_router("", timebank_router)
api.add_router("", staffing_router)
api.add_router("", recognition_router)
api.add_router("", incentives_router)
api.add_router("", vacancies_router)

# Last: any other path under /api/v1/ answers a JSON 404, not the site's HTML page.
fallback = Router(tags=["fallback"])


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    response={404: DetailOut},
    include_in_schema=False,
    auth=None,
)
def not_found(request: HttpRequest, rest: str):
    raise Http404


api.add_router("", fallback)
