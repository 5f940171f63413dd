from django.urls import path

from careforce.incentives import views

app_name = "incentives"

urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.sheet_upload, name="sheet_upload"),
    path("schemes/new/", views.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/run/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/notice/", views.run_notice, name="run_notice"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("runs/<int:pk>/pay/", views.run_pay, name="run_pay"),
    path("results/<int:pk>/decide/", views.eligibility_decide, name="eligibility_decide"),
    path("results/<int:pk>/objections/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/payments.xlsx", views.batch_xlsx, name="batch_xlsx"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("workers/<int:pk>/contracts/", views.contract_create, name="contract_create"),
    path("workers/<int:pk>/insurance/", views.cover_create, name="cover_create"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
]
