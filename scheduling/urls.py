from django.urls import path

from . import views

app_name = "visits"

BOOKING = "book/<slug:slug>/<str:kind>"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("money/", views.money, name="money"),
    path("money/receipts/<int:pk>/", views.receipt, name="receipt"),
    path("book/", views.book, name="book"),
    path("book/hold/<int:pk>/", views.checkout, name="checkout"),
    path("book/hold/<int:pk>/release/", views.release, name="release"),
    path("book/<slug:slug>/", views.book_kind, name="book_kind"),
    path(f"{BOOKING}/", views.book_person, name="book_person"),
    path(f"{BOOKING}/<int:inmate_id>/", views.book_duration, name="book_duration"),
    path(f"{BOOKING}/<int:inmate_id>/<int:duration>/", views.book_date, name="book_date"),
    path(
        f"{BOOKING}/<int:inmate_id>/<int:duration>/<str:day>/",
        views.book_time,
        name="book_time",
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/booked/", views.booked, name="booked"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/reschedule/confirm/", views.reschedule_confirm, name="reschedule_confirm"),
    path("<int:pk>/reschedule/<str:day>/", views.reschedule_time, name="reschedule_time"),
    path("<int:pk>/visit.ics", views.calendar_file, name="calendar"),
]
