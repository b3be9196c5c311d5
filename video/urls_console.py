"""The console's video pages, under /console/video/."""

from django.urls import path

from . import views_console as views

app_name = "console_video"

urlpatterns = [
    path("<int:facility_id>/", views.facility, name="facility"),
    path("<int:facility_id>/pin/", views.pin, name="pin"),
    path("<int:facility_id>/settings/", views.video_settings, name="settings"),
    path("terminal/<int:pk>/enrol/", views.enrol, name="terminal_enrol"),
    path("device/<int:pk>/revoke/", views.revoke, name="device_revoke"),
]
