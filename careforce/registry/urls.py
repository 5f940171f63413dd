from django.urls import path

from careforce.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.worker_list, name="worker_list"),
    path("new/", views.worker_create, name="worker_create"),
    path("people/search/", views.person_search, name="person_search"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/unmask/", views.worker_unmask, name="worker_unmask"),
    path("<int:pk>/transfer/", views.worker_transfer, name="worker_transfer"),
    path("<int:pk>/employments/new/", views.employment_create, name="employment_create"),
    path("employments/<int:pk>/edit/", views.employment_edit, name="employment_edit"),
    path("employments/<int:pk>/end/", views.employment_end, name="employment_end"),
    path("<int:pk>/verify/", views.worker_verify, name="worker_verify"),
    path("employments/<int:pk>/verify/", views.employment_verify, name="employment_verify"),
]
