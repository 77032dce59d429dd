"""The labelling page, served by the standard library on 127.0.0.1 only.

Every request must carry the random token of the printed URL (in the query, or an X-Jury-Token header)
and a Host of this server (so a page elsewhere cannot reach it, even through DNS rebinding); anything else
gets 403. Answers are POSTed by the page's form; a key press only clicks its button, so the page also works
without script. Responses forbid every script and style but the page's own (a fresh nonce each time),
framing, and every fetch from elsewhere."""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from jury.errors import JuryError
from jury.labels.page import render
from jury.labels.session import KEYS, LabelSession

log = logging.getLogger(__name__)
MAX_FORM_BYTES = 4096
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def page_policy(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


class LabelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, session: LabelSession, port: int = 0, token: str | None = None) -> None:
        try:
            super().__init__(("127.0.0.1", port), LabelHandler)
        except OSError as exc:
            raise JuryError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}", fix="choose another --port") from None
        self.session = session
        self.token = token or secrets.token_urlsafe(24)
        self.message = ""
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={quote(self.token, safe='')}"


class LabelHandler(BaseHTTPRequestHandler):
    server: LabelServer
    server_version = "jury-label"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, *, kind: str = "text/plain; charset=utf-8", policy: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", policy or "default-src 'none'; frame-ancestors 'none'")
        for name, value in COMMON_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _allowed(self) -> bool:
        query = parse_qs(urlsplit(self.path).query)
        given = query.get("token", [""])[0] or self.headers.get("X-Jury-Token", "")
        token_ok = secrets.compare_digest(given.encode("utf-8"), self.server.token.encode("utf-8"))
        if token_ok and self.headers.get("Host", "") in self.server.hosts:
            return True
        self._send(HTTPStatus.FORBIDDEN, b"forbidden: open the exact URL `jury label` printed\n")
        return False

    def do_GET(self) -> None:
        if not self._allowed():
            return
        if urlsplit(self.path).path != "/":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        nonce = secrets.token_urlsafe(16)
        session = self.server.session
        message, self.server.message = self.server.message, ""
        html = render(session.current(), token=self.server.token, nonce=nonce, message=message,
                      answered=session.answered_count)  # fmt: skip
        self._send(HTTPStatus.OK, html.encode("utf-8"), kind="text/html; charset=utf-8", policy=page_policy(nonce))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._allowed():
            return
        if urlsplit(self.path).path != "/label":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_FORM_BYTES:
            self._send(HTTPStatus.BAD_REQUEST, b"expected a small form\n")
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        key, draw = form.get("key", [""])[0], form.get("draw", [""])[0]
        if key not in KEYS:
            self._send(HTTPStatus.BAD_REQUEST, f"unknown key; use one of {' '.join(KEYS)}\n".encode())
            return
        try:
            self.server.message = self.server.session.act(key, int(draw) if draw.isdigit() else None)
        except JuryError as exc:  # e.g. the labels file was damaged meanwhile: say so, keep serving
            self.server.message = f"not saved: {exc.one_line()}"
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", "/?token=" + quote(self.server.token, safe=""))
        self.send_header("Content-Length", "0")
        for name, value in COMMON_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
