from django.urls import path

from careforce.training import views

app_name = "training"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("sessions/<int:pk>/complete/", views.session_complete, name="session_complete"),
    path("sessions/<int:pk>/lessons/", views.lesson_create, name="lesson_create"),
    path("sessions/<int:pk>/enrol-heads/", views.heads_enrol, name="heads_enrol"),
    path("sessions/<int:pk>/start/", views.learn_start, name="learn_start"),
    path("heads/", views.heads, name="heads"),
    path("bases/", views.base_list, name="base_list"),
    path("bases/new/", views.base_create, name="base_create"),
    path("bases/<int:pk>/", views.base_detail, name="base_detail"),
    path("learn/", views.learn, name="learn"),
    path("learn/<int:pk>/", views.learning, name="learning"),
]
