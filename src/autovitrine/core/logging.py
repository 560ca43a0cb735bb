"""Log filters: an ordinary refusal is one line, not a traceback."""

from __future__ import annotations

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Django logs a 403 (``PermissionDenied``) or a 400 with the exception's traceback, as if it
    were a bug; a client error is one line. 5xx keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
