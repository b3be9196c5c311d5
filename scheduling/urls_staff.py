"""The facility staff's visit pages, under /console/visits/."""

from django.urls import path

from .views_staff import board, periods, setup, visit

app_name = "console_visits"

urlpatterns = [
    path("", board.facilities, name="facilities"),
    path("<int:facility_id>/", board.board, name="board"),
    path("<int:facility_id>/daily/", board.daily_list, name="daily_list"),
    path("<int:facility_id>/daily.csv", board.daily_list_csv, name="daily_list_csv"),
    path("<int:facility_id>/settings/", setup.config_edit, name="config"),
    path("<int:facility_id>/windows/<str:kind>/", setup.windows_edit, name="windows"),
    path("<int:facility_id>/closures/", periods.closures, name="closures"),
    path("<int:facility_id>/closures/<int:pk>/end/", periods.closure_end, name="closure_end"),
    path("<int:facility_id>/lockdowns/", periods.lockdowns, name="lockdowns"),
    path("<int:facility_id>/lockdowns/<int:pk>/end/", periods.lockdown_end, name="lockdown_end"),
    path("<int:facility_id>/terminals/", setup.terminals, name="terminals"),
    path("visit/<int:pk>/", visit.visit_detail, name="visit"),
    path("visit/<int:pk>/move/", visit.visit_move, name="visit_move"),
    path("visit/<int:pk>/cancel/", visit.visit_cancel, name="visit_cancel"),
    path("visit/<int:pk>/check-in/", visit.visit_check_in, name="visit_check_in"),
    path("visit/<int:pk>/complete/", visit.visit_complete, name="visit_complete"),
    path("visit/<int:pk>/no-show/", visit.visit_no_show, name="visit_no_show"),
    path("closure/<int:pk>/", periods.closure_detail, name="closure"),
    path("lockdown/<int:pk>/", periods.lockdown_detail, name="lockdown"),
    path("terminal/<int:pk>/", setup.terminal_detail, name="terminal"),
    path("terminal/<int:pk>/service/", setup.terminal_service, name="terminal_service"),
]
