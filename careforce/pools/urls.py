from django.urls import path

from careforce.pools import views

app_name = "pools"

urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("draws/", views.draw_list, name="draw_list"),
    path("draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/redraw/", views.draw_redraw, name="draw_redraw"),
]
