from django.urls import path

from careforce.recognition import views

app_name = "recognition"

urlpatterns = [
    path("", views.home, name="home"),
    path("awards/", views.award_list, name="award_list"),
    path("awards/new/", views.award_create, name="award_create"),
    path("awards/<int:pk>/", views.award_detail, name="award_detail"),
    path("competitions/", views.competition_list, name="competition_list"),
    path("competitions/new/", views.competition_create, name="competition_create"),
    path("competitions/<int:pk>/", views.competition_detail, name="competition_detail"),
    path("competitions/<int:pk>/enter/", views.competition_enter, name="competition_enter"),
    path("competitions/<int:pk>/draw/", views.competition_draw, name="competition_draw"),
    path("competitions/<int:pk>/scores/", views.competition_scores, name="competition_scores"),
    path("competitions/<int:pk>/publish/", views.competition_publish, name="competition_publish"),
    path("studios/", views.studio_list, name="studio_list"),
    path("studios/new/", views.studio_create, name="studio_create"),
    path("studios/<int:pk>/", views.studio_detail, name="studio_detail"),
    path("studios/<int:pk>/members/", views.studio_member_add, name="studio_member_add"),
    path("studio-members/<int:pk>/end/", views.studio_member_end, name="studio_member_end"),
    path("settlement/", views.settlement_list, name="settlement_list"),
    path("settlement/export/", views.settlement_export, name="settlement_export"),
    path("settlement/<int:pk>/withdraw/", views.settlement_withdraw, name="settlement_withdraw"),
]
