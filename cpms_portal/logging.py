"""Log records as one JSON object per line, each carrying the id of its HTTP request.

``LOG_FORMAT=json`` (the default in production) selects :class:`JsonFormatter`;
``plain`` (the default in development) keeps readable lines. Either way
:class:`RequestIdFilter` puts the current request's id on every record, so the
request line, the audit events and any error of one request share it.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# Set by cpms_portal.middleware.RequestLogMiddleware for the duration of a request.
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    # Django's loggers attach the HttpRequest itself; it is not data for a log line.
    "request",
}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (empty outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)
