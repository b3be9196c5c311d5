from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import IdentitySubmission


class DocumentView(models.Model):
    """One look at an identity photo in the console: who, when, which document.

    Written by the view that serves the file, never edited; operators read them in the
    Django admin.
    """

    class Document(models.TextChoices):
        ID = "id", _("ID photo")
        SELFIE = "selfie", _("Photo of the person")

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        IdentitySubmission, on_delete=models.CASCADE, related_name="document_views"
    )
    document = models.CharField(max_length=8, choices=Document.choices)
    viewed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]

    def __str__(self):
        return f"{self.viewer_id} viewed {self.document} of submission {self.submission_id}"
