from django.urls import path

from careforce.rankings import views

app_name = "rankings"

urlpatterns = [
    path("", views.ranking_list, name="ranking_list"),
    path("<int:pk>/", views.ranking_detail, name="ranking_detail"),
    path("<int:pk>/publish/", views.ranking_publish, name="ranking_publish"),
    path("institutions/<int:pk>/", views.institution_scorecard, name="institution_scorecard"),
    path("public/", views.public_list, name="public_list"),
    path("public/<int:pk>/", views.public_detail, name="public_detail"),
]
