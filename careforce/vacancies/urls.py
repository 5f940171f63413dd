from django.urls import path

from careforce.vacancies import views

app_name = "vacancies"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.vacancy_create, name="vacancy_create"),
    path("<int:pk>/", views.vacancy_detail, name="vacancy_detail"),
    path("<int:pk>/close/", views.vacancy_close, name="vacancy_close"),
    path("<int:pk>/hire/", views.vacancy_hire, name="vacancy_hire"),
    path("seekers/", views.seeker_list, name="seeker_list"),
    path("seekers/new/", views.seeker_create, name="seeker_create"),
    path("seekers/<int:pk>/", views.seeker_detail, name="seeker_detail"),
    path("seekers/<int:pk>/withdraw/", views.seeker_withdraw, name="seeker_withdraw"),
]
