from django.db import models


class OutboundEmail(models.Model):
    """An email waiting to go out, written in the same transaction as the event behind it.

    `key` names the event (for example `identity-decided:42`), so one event gives at most
    one email. A task sends it after commit; a periodic sweep re-dispatches what is left.
    """

    key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_unsent_idx")]

    def __str__(self):
        return f"{self.key} to {self.to_email}"
