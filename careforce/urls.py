from django.contrib import admin
from django.urls import include, path

from careforce.api import api
from careforce.core.account_views import admin_login
from careforce.core.metrics import metrics

urlpatterns = [
    path("api/v1/", api.urls),
    path("metrics", metrics, name="metrics"),  # Prometheus; addresses or a token (careforce/core/metrics.py)
    path("admin/login/", admin_login),  # one sign-in page: lockout and second factor apply to the admin too
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("careforce.core.urls")),
    path("institutions/", include("careforce.institutions.urls")),
    path("workers/", include("careforce.registry.urls")),
    path("imports/", include("careforce.imports.urls")),
    path("training/", include("careforce.training.urls")),
    path("skills/", include("careforce.skills.urls")),
    path("pools/", include("careforce.pools.urls")),
    path("conduct/", include("careforce.conduct.urls")),
    path("credit/", include("careforce.credit.urls")),
    path("rankings/", include("careforce.rankings.urls")),
    path("indicators/", include("careforce.indicators.urls")),
    path("staffing/", include("careforce.staffing.urls")),
    path("timebank/", include("careforce.timebank.urls")),
    path("recognition/", include("careforce.recognition.urls")),
    path("incentives/", include("careforce.incentives.urls")),
    path("vacancies/", include("careforce.vacancies.urls")),
]
