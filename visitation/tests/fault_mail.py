"""Mail backend for the fault tests (visitation/tests/test_faults.py), selected there with
EMAIL_BACKEND. Each send waits FAULT_MAIL_DELAY seconds, then writes a file of its own
under FAULT_MAIL_DIR, so a test can kill a worker in the middle of a send and count what
really went out. Never used by the site."""

import os
import time
import uuid

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ["FAULT_MAIL_DIR"]
        super().__init__(*args, **kwargs)

    def _get_filename(self):
        # Django's name (time and object id) can repeat across processes.
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.eml")
        return self._fname

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("FAULT_MAIL_DELAY", "0")))
        return super().send_messages(email_messages)
