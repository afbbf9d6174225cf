"""Structured logs: one JSON line per state change, carrying the action key."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

LOGGER_NAME = "sopengine.daemon"


class JsonLineFormatter(logging.Formatter):
    """``{"ts": …, "level": …, "event": …, ...fields}`` per record (fields from ``extra={"fields": {...}}``)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def log_state(logger: logging.Logger, key: str, from_state: str, to_state: str, **fields: Any) -> None:
    """Log one state change of one action."""
    logger.info("state", extra={"fields": {"key": key, "from": from_state, "to": to_state, **fields}})


def configure(level: int = logging.INFO, stream: Any = None, name: str = LOGGER_NAME) -> None:
    """Send the logs of ``name`` (the daemon's by default) as JSON lines to ``stream`` (stderr by default)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
