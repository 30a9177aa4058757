"""Signed HTTP to the sync server, with retries (exponential backoff, full jitter).

An answer is decoded straight from its bytes into the model the caller expects
(`call_as`): pydantic-core parses the JSON itself, without `json` building a tree of dicts
and lists first that validation then copies (a pull page of 1,000 records took ~9 µs a
record the old way, ~6 this way, and left the garbage collector less to look at). JSON
that pydantic-core refuses but `json` reads (a lone surrogate escape, which the server
sends for text UTF-8 cannot carry; nesting deeper than pydantic-core's limit of 200) is
decoded by `json`, as before, so no page the server can send becomes one the client cannot
read."""

from __future__ import annotations

import ipaddress
import json
import random
import ssl
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from sync.client.errors import (
    DeviceRevoked,
    InsecureServerUrl,
    NotEnrolled,
    ServerMisbehaved,
    ServerRefused,
    ServerUnreachable,
    SyncCancelled,
)
from sync.credentials import DeviceCredentials
from sync.signing import sign_request

Verify = ssl.SSLContext | str | bool
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
Answer = TypeVar("Answer", bound=BaseModel)


class AnswerNotJson(Exception):
    """The answer's body is not JSON (cut off, or not the server's): worth a retry."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    timeout: float = 30.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))


def check_server_url(url: str) -> str:
    """Return the URL without a trailing slash; refuse plain http:// except to loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureServerUrl(f"not an http(s) URL: {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InsecureServerUrl("plain http:// is only allowed to a loopback address; use https")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_STOP_POLL_S = 0.05   # how often a wait between attempts looks at the sync's cancel


class SignedSession:
    """One keep-alive HTTP client; every request signed with the device key."""

    def __init__(self, credentials: DeviceCredentials | None, server_url: str, *,
                 transport: httpx.BaseTransport | None = None, verify: Verify = True,
                 retry: RetryPolicy | None = None, cancel: threading.Event | None = None) -> None:
        self.base_url = check_server_url(server_url)
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.cancel = cancel or threading.Event()
        self._key = credentials.signing_key() if credentials else None
        self.clock_offset = 0.0
        self._client = httpx.Client(base_url=self.base_url, transport=transport, verify=verify,
                                    timeout=self.retry.timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SignedSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        """Send (retrying what is safe to retry) and return the decoded JSON answer."""
        return self._call(method, path, payload, None)

    def call_as(self, model: type[Answer], method: str, path: str,
                payload: Any = None, *, stop: threading.Event | None = None) -> Answer:
        """As `call`, the answer validated as ``model``; `ServerMisbehaved` (a `SyncError`,
        reported like any failed sync, nothing applied) if it is JSON of the wrong shape: not
        retried, the same answer would come again. ``stop`` set, no further attempt is made
        (`SyncCancelled`): a request whose answer is no longer wanted."""
        answer: Answer = self._call(method, path, payload, model, stop)
        return answer

    def _call(self, method: str, path: str, payload: Any,
              model: type[BaseModel] | None, stop: threading.Event | None = None) -> Any:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        last_error = "no attempt made"
        for attempt in range(self.retry.attempts):
            if self.cancel.is_set() or (stop is not None and stop.is_set()):
                raise SyncCancelled("sync cancelled")
            try:
                response = self._send(method, path, body)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    try:
                        return decode_answer(response.content, model)
                    except AnswerNotJson:
                        last_error = "response was not JSON (cut off?)"
                    except ValidationError as exc:
                        raise ServerMisbehaved(_wrong_shape(path, exc)) from None
                elif response.status_code in RETRYABLE_STATUS:
                    last_error = f"HTTP {response.status_code}"
                elif self._learn_clock_offset(response):
                    last_error = "clock skew beyond the signature window; corrected"
                    continue
                else:
                    raise _refusal(response)
            if attempt + 1 < self.retry.attempts and self._wait(self.retry.delay(attempt), stop):
                raise SyncCancelled("sync cancelled")
        raise ServerUnreachable(f"{self.base_url}: {last_error}")

    def _wait(self, seconds: float, stop: threading.Event | None) -> bool:
        """Wait before the next attempt; True at once if the sync is cancelled or ``stop``
        is set meanwhile."""
        if stop is None:
            return self.cancel.wait(seconds)
        deadline = time.monotonic() + seconds
        while not (self.cancel.is_set() or stop.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            stop.wait(min(left, _STOP_POLL_S))
        return True

    def _learn_clock_offset(self, response: httpx.Response) -> bool:
        """After an "expired" refusal, sign with the server's time (once) instead of ours."""
        if response.status_code != 401 or self.clock_offset or "expired" not in response.text:
            return False
        try:
            server_time = parsedate_to_datetime(response.headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            return False
        self.clock_offset = server_time - time.time()
        return True

    def _send(self, method: str, path: str, body: bytes) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if body else {}
        request = self._client.build_request(method, path, content=body, headers=headers)
        if self._key is not None and self.credentials is not None:
            raw_path = request.url.raw_path.decode("ascii")
            request.headers.update(sign_request(self._key, self.credentials.device_id,
                                                method, raw_path, body,
                                                now=time.time() + self.clock_offset))
        response = self._client.send(request)
        response.read()
        return response


def decode_answer(content: bytes, model: type[BaseModel] | None) -> Any:
    """The answer as ``model`` (or plain JSON without one). Raises `AnswerNotJson` if `json`
    cannot read it, and pydantic's `ValidationError` if it is JSON of the wrong shape.

    pydantic-core reads the bytes first; what it refuses as JSON goes to `json`, which
    decides: `json` reads more (lone surrogate escapes, deeper nesting), and where both
    read a document they give the same values (tests/sync/test_answer_decoding.py)."""
    if model is not None:
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            if not _unreadable_json(exc):
                raise
    try:
        data = json.loads(content)
    except ValueError:   # JSONDecodeError, or bytes that are not UTF-8
        raise AnswerNotJson from None
    return data if model is None else model.model_validate(data)


def _wrong_shape(path: str, exc: ValidationError) -> str:
    """What was wrong, by place and kind only: the values may be people's details, and
    this text reaches the sync status and the log."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    places = "; ".join(f"{'.'.join(str(part) for part in error['loc']) or 'answer'}: "
                       f"{error['type']}" for error in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"the server's answer to {path} is not what the protocol allows: {places}{more}"


def _unreadable_json(exc: ValidationError) -> bool:
    return all(error["type"] == "json_invalid" and not error["loc"]
               for error in exc.errors(include_url=False, include_input=False))


def _refusal(response: httpx.Response) -> Exception:
    try:
        data = response.json()
        code, detail = str(data.get("error", "")), str(data.get("detail", ""))
    except (ValueError, AttributeError):
        code, detail = "unknown", response.text[:200]
    if code == "device_revoked":
        return DeviceRevoked(detail)
    if code in ("not_enrolled", "bad_signature"):
        return NotEnrolled(detail)
    return ServerRefused(response.status_code, code, detail)
