from django.urls import path

from careforce.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.home, name="home"),
    path("export.xlsx", views.overview_export, name="overview_export"),
    path("districts/<int:pk>/", views.district, name="district"),
    path("districts/<int:pk>/export.xlsx", views.district_export, name="district_export"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/export.xlsx", views.scorecard_export, name="scorecard_export"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/export.xlsx", views.report_export, name="report_export"),
    path("reports/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
]
