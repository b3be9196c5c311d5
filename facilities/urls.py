from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("add/", views.add_state, name="add"),
    path("add/<str:state>/", views.add_facility, name="add_facility"),
    path("ask/<slug:slug>/", views.add_confirm, name="add_confirm"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
