from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def identity_documents_purge():
    """The daily retention run (CELERY_BEAT_SCHEDULE); manage.py purge_identity_documents
    does the same by hand."""
    run = services.identity_documents_purge(days=settings.IDENTITY_DOCUMENT_RETENTION_DAYS)
    return {"submissions": run.submissions, "files": run.files, "failed": len(run.failed)}
