from django.contrib.auth import views as auth_views
from django.urls import path

from careforce.core import account_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", account_views.two_factor, name="two_factor"),
    path("accounts/two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/recovery-codes/", account_views.recovery_codes, name="recovery_codes"),
    path("accounts/sign-in-security/", account_views.sign_in_security, name="sign_in_security"),
    path("accounts/sign-in-security/unlock/", account_views.account_unlock, name="account_unlock"),
    path(
        "accounts/sign-in-security/reset-second-factor/",
        account_views.second_factor_reset,
        name="second_factor_reset",
    ),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/reads/", views.read_log, name="read_log"),
]
