"""Keep API keys out of logs, caches, reports and error messages."""

from __future__ import annotations

import os
import re

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-]{12,}|sk-ant-[A-Za-z0-9_\-]{12,}|AKIA[0-9A-Z]{16})\b")


def redact(text: str) -> str:
    """Replace values of secret-looking environment variables, and key-shaped strings."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and _SECRET_NAME.search(name):
            text = text.replace(value, f"<{name}>")
    return _KEY_SHAPES.sub("<redacted>", text)
