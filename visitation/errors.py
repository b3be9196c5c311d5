class DomainError(Exception):
    """A rule said no. The message is shown to the person as it is (already translated)."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field
