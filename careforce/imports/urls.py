from django.urls import path

from careforce.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("templates/<slug:sheet>/", views.template_download, name="template"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/commit/", views.job_commit, name="job_commit"),
    path("<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<int:pk>/report/", views.job_report, name="job_report"),
    path("export/workers/", views.export_workers, name="export_workers"),
    path("export/institutions/", views.export_institutions, name="export_institutions"),
]
