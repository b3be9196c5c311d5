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


class SessionCacheLeftover(models.Model):
    """A signed-out session whose copy in the shared cache could not be deleted (the cache
    was down): visitation.sessions notes it here, and a periodic task deletes the copy once
    the cache answers, so that a cache that comes back with its data cannot bring the
    session back. Kept at most SESSION_COOKIE_AGE: the copy has expired by then."""

    cache_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"session cache leftover of {self.created_at:%Y-%m-%d %H:%M}"
