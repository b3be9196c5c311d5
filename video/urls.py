from django.urls import path

from . import views

app_name = "video"

urlpatterns = [
    path("visits/<int:pk>/join/", views.join, name="join"),
    path("terminal/", views.terminal, name="terminal"),
    path("terminal/visit/<int:pk>/", views.terminal_call, name="terminal_call"),
    path("terminal/visit/<int:pk>/check-in/", views.terminal_check_in, name="terminal_check_in"),
]
