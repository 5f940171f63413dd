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
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/course/", views.course_edit, name="course_edit"),
    path("sessions/<int:pk>/register/", views.session_register, name="session_register"),
    path("sessions/<int:pk>/register/attendance/", views.attendance_save, name="attendance_save"),
    path("sessions/<int:pk>/register/results/", views.results_save, name="results_save"),
    path("sessions/<int:pk>/register/withdraw/", views.withdraw, name="withdraw"),
    path("sessions/<int:pk>/lessons/", views.lesson_create, name="lesson_create"),
    path("sessions/<int:pk>/enrol-heads/", views.heads_enrol, name="heads_enrol"),
    path("sessions/<int:pk>/start/", views.learn_start, name="learn_start"),
    path("heads/", views.heads, name="heads"),
    path("bases/", views.base_list, name="base_list"),
    path("bases/new/", views.base_create, name="base_create"),
    path("bases/<int:pk>/", views.base_detail, name="base_detail"),
    path("bases/<int:pk>/edit/", views.base_edit, name="base_edit"),
    path("learn/", views.learn, name="learn"),
    path("learn/<int:pk>/", views.learning, name="learning"),
    path("completions/<int:pk>/validity/", views.completion_validity, name="completion_validity"),
]
