from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/", include("accounts.urls")),
    path("facilities/", include("facilities.urls")),
    path("visits/", include("scheduling.urls")),
    path("", include("video.urls")),
    path("console/visits/", include("video.urls_live")),
    path("console/visits/", include("scheduling.urls_staff")),
    path("console/video/", include("video.urls_console")),
    path("console/", include("review.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
