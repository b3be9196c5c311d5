from django.contrib import admin

from .models import DocumentView


@admin.register(DocumentView)
class DocumentViewAdmin(admin.ModelAdmin):
    """The log of who looked at which identity photo. Read only: an audit trail."""

    list_display = ["viewed_at", "viewer", "submission", "submission_user", "document"]
    list_filter = ["document", "viewed_at"]
    search_fields = ["viewer__email", "submission__user__email", "submission__user__last_name"]
    list_select_related = ["viewer", "submission__user"]
    date_hierarchy = "viewed_at"

    @admin.display(description="home user")
    def submission_user(self, obj):
        return obj.submission.user

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
