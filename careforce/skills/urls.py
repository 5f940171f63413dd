from django.urls import path

from careforce.skills import views

app_name = "skills"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("verify/", views.verify, name="verify"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/new/", views.body_create, name="body_create"),
    path("bodies/<int:pk>/", views.body_detail, name="body_detail"),
    path("certificates/new/", views.certificate_create, name="certificate_create"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/suspend/", views.certificate_suspend, name="certificate_suspend"),
    path("certificates/<int:pk>/reinstate/", views.certificate_reinstate, name="certificate_reinstate"),
    path("certificates/<int:pk>/renew/", views.certificate_renew, name="certificate_renew"),
    path("expiring/", views.expiring, name="expiring"),
    path("certificates/<int:pk>/verify/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<int:pk>/print/", views.certificate_print, name="certificate_print"),
    path("workers/<int:pk>/titles/new/", views.title_create, name="title_create"),
]
