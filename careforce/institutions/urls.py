from django.urls import path

from careforce.institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="institution_list"),
    path("new/", views.institution_create, name="institution_create"),
    path("<int:pk>/", views.institution_detail, name="institution_detail"),
    path("<int:pk>/edit/", views.institution_edit, name="institution_edit"),
]
