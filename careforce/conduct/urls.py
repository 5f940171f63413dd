from django.urls import path

from careforce.conduct import views

app_name = "conduct"

urlpatterns = [
    path("", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/transition/", views.complaint_transition, name="complaint_transition"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path("workers/<int:pk>/evaluation-link/", views.evaluation_link, name="evaluation_link"),
    path("e/<str:token>/", views.public_evaluation, name="public_evaluation"),
    path("institutions/<int:pk>/timeline/", views.institution_timeline, name="institution_timeline"),
    path("penalties/", views.penalty_list, name="penalty_list"),
    path("penalties/new/", views.penalty_create, name="penalty_create"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty_detail"),
]
