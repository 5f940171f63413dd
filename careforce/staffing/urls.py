from django.urls import path

from careforce.staffing import views

app_name = "staffing"

urlpatterns = [
    path("", views.home, name="home"),
    path("districts/<int:pk>/", views.district_detail, name="district_detail"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("projection/", views.projection, name="projection"),
    path("posts/", views.posts, name="posts"),
    path("settings/", views.settings_edit, name="settings"),
    path("population/", views.population_list, name="population_list"),
    path("population/<int:pk>/", views.population_detail, name="population_detail"),
]
