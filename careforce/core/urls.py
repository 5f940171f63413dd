from django.contrib.auth import views as auth_views
from django.urls import path

from careforce.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("access-log/", views.access_log, name="access_log"),
]
