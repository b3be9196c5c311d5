from django.contrib import admin

from .models import FacilityVideoSettings, Recording, RecordingEvent, RecordingViewer


@admin.register(FacilityVideoSettings)
class FacilityVideoSettingsAdmin(admin.ModelAdmin):
    list_display = ["facility", "record_visits", "recording_retention_days", "family_may_download"]


@admin.register(RecordingViewer)
class RecordingViewerAdmin(admin.ModelAdmin):
    list_display = ["facility", "user", "created_at"]
    raw_id_fields = ["user"]


class RecordingEventInline(admin.TabularInline):
    model = RecordingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "detail"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    """Failed conversions are listed here (filter: state "Conversion failed"), with the
    error; the raw files stay in `raw_dir` until a conversion succeeds or retention ends."""

    list_display = ["pk", "session", "state", "attempts", "last_error", "delete_after", "held_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in Recording._meta.fields]
    inlines = [RecordingEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
