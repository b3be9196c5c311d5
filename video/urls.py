from django.urls import path

from . import views

app_name = "video"

urlpatterns = [
    path("visits/<int:pk>/join/", views.join, name="join"),
    path("visits/<int:pk>/join/ended/", views.join_ended, name="join_ended"),
    path("visits/<int:pk>/recording/", views.recording_download, name="recording_download"),
    path("terminal/", views.terminal, name="terminal"),
    path("terminal/visit/<int:pk>/ended/", views.terminal_ended, name="terminal_ended"),
    path("terminal/visit/<int:pk>/", views.terminal_call, name="terminal_call"),
    path("terminal/visit/<int:pk>/check-in/", views.terminal_check_in, name="terminal_check_in"),
]
