from django.urls import path

from careforce.timebank import views

app_name = "timebank"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("me/statement/", views.my_statement, name="my_statement"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", views.volunteer_create, name="volunteer_create"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:pk>/statement/", views.statement_page, name="statement_page"),
    path("volunteers/<int:pk>/statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("volunteers/<int:pk>/relatives/", views.relative_create, name="relative_create"),
    path("volunteers/<int:pk>/orders/", views.order_create, name="order_create"),
    path("volunteers/<int:pk>/transfer/", views.transfer_create, name="transfer_create"),
    path("volunteers/<int:pk>/donate/", views.donation_create, name="donation_create"),
    path("volunteers/<int:pk>/account/", views.account_create, name="account_create"),
    path("activate/<uidb64>/<token>/", views.AccountActivateView.as_view(), name="account_activate"),
    path("volunteers/<int:pk>/rewards/", views.redemption_create, name="redemption_create"),
    path("records/", views.record_list, name="record_list"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/import/", views.record_import, name="record_import"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/verify/", views.record_verify, name="record_verify"),
    path("records/<int:pk>/check/", views.record_check, name="record_check"),
    path("records/<int:pk>/reject/", views.record_reject, name="record_reject"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/deliver/", views.order_deliver, name="order_deliver"),
    path("orders/<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/new/", views.site_create, name="site_create"),
]
