from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("second-factor/setup/", views.otp_setup, name="otp_setup"),
    path("second-factor/", views.otp_verify, name="otp_verify"),
    path("second-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("identity/", views.identity_queue, name="identity_queue"),
    path("identity/<int:pk>/", views.identity_detail, name="identity_detail"),
    path("identity/<int:pk>/<str:kind>/", views.identity_document, name="identity_document"),
    path("access/", views.access_queue, name="access_queue"),
    path("access/<int:pk>/", views.access_detail, name="access_detail"),
    path("access/<int:pk>/revoke/", views.access_revoke, name="access_revoke"),
    path("users/", views.user_search, name="user_search"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
]
