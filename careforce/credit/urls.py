from django.urls import path

from careforce.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.methodology, name="methodology"),
    path("workers/<int:pk>/", views.worker_credit, name="worker_credit"),
    path("dishonesty/", views.listing_list, name="listing_list"),
    path("dishonesty/new/", views.listing_create, name="listing_create"),
    path("dishonesty/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("dishonesty/<int:pk>/remove/", views.listing_remove, name="listing_remove"),
    path("check/", views.pre_employment_check, name="check"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
