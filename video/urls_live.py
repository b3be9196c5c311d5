"""The console's live board, watch page and recordings, under /console/visits/."""

from django.urls import path

from . import views_live as views

app_name = "console_live"

urlpatterns = [
    path("<int:facility_id>/live/", views.board, name="live"),
    path("visit/<int:pk>/watch/", views.watch, name="visit_watch"),
    path("visit/<int:pk>/watch/feeds/", views.feeds, name="visit_feeds"),
    path("visit/<int:pk>/recording/", views.recording, name="visit_recording"),
    path("visit/<int:pk>/recording/hold/", views.recording_hold, name="visit_recording_hold"),
    path(
        "visit/<int:pk>/recording/release/",
        views.recording_release,
        name="visit_recording_release",
    ),
]
