"""The facility staff's visit pages, under /console/visits/."""

from django.urls import path

from . import views_staff as views

app_name = "console_visits"

urlpatterns = [
    path("", views.facilities, name="facilities"),
    path("<int:facility_id>/", views.board, name="board"),
    path("<int:facility_id>/daily/", views.daily_list, name="daily_list"),
    path("<int:facility_id>/daily.csv", views.daily_list_csv, name="daily_list_csv"),
    path("<int:facility_id>/settings/", views.config_edit, name="config"),
    path("<int:facility_id>/windows/<str:kind>/", views.windows_edit, name="windows"),
    path("<int:facility_id>/closures/", views.closures, name="closures"),
    path("<int:facility_id>/closures/<int:pk>/end/", views.closure_end, name="closure_end"),
    path("<int:facility_id>/lockdowns/", views.lockdowns, name="lockdowns"),
    path("<int:facility_id>/lockdowns/<int:pk>/end/", views.lockdown_end, name="lockdown_end"),
    path("<int:facility_id>/terminals/", views.terminals, name="terminals"),
    path("visit/<int:pk>/", views.visit_detail, name="visit"),
    path("visit/<int:pk>/move/", views.visit_move, name="visit_move"),
    path("visit/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visit/<int:pk>/check-in/", views.visit_check_in, name="visit_check_in"),
    path("visit/<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visit/<int:pk>/no-show/", views.visit_no_show, name="visit_no_show"),
    path("closure/<int:pk>/", views.closure_detail, name="closure"),
    path("lockdown/<int:pk>/", views.lockdown_detail, name="lockdown"),
    path("terminal/<int:pk>/", views.terminal_detail, name="terminal"),
    path("terminal/<int:pk>/service/", views.terminal_service, name="terminal_service"),
]
