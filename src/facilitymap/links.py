"""Check the layer's source links: dead, redirected, slow, unreachable, missing archives.

:func:`check_links` fetches every ``url`` and ``archive_url`` of every source once (a URL cited
by several sites is fetched once and reported for each use) and returns one
:class:`LinkResult` per use, plus a ``missing-archive`` result for each source without an
``archive_url``. It uses only the standard library (:mod:`http.client`, so that it can pin the
address it checked and cut a connection at its deadline; see below).

How a URL is checked
--------------------
- Only ``http`` and ``https`` URLs are fetched; anything else (``file:``, ``ftp:``,
  ``javascript:``) is reported as ``refused-scheme`` and never opened, and a redirect to such a
  scheme is not followed.
- ``HEAD`` first; ``GET`` when ``HEAD`` answers with an error status (405 and 501 in
  particular: many servers refuse or mishandle ``HEAD``) or with a broken response. A ``GET``
  reads at most :data:`MAX_BODY_BYTES` of the body. A connection-level failure (DNS, refused,
  TLS, timeout) is not retried with ``GET``.
- Redirects (301, 302, 303, 307, 308) are followed by hand, at most ``max_redirects`` of them,
  and reported as ``redirected`` with the final URL.
- ``timeout`` is a hard wall-clock budget for the whole check of one URL (name lookup, connect,
  TLS, ``HEAD``, fallback ``GET`` and every redirect): a watchdog shuts the socket down when it
  runs out, so a server that trickles one byte at a time cannot stall the run. Name lookups run
  in a helper thread that is abandoned at the deadline. The whole run therefore takes at most
  about ``ceil(distinct URLs / concurrency) * timeout``.
- At most ``concurrency`` URLs are checked at a time, each over a fresh connection.
- Requests carry ``User-Agent: facilitymap-check-links/<version>``. Proxy environment variables
  are not used (the address check below must see the real target).

Untrusted layers and private addresses
--------------------------------------
The layer is shared data: anyone who can add a source decides which hosts a check contacts.
Run on a workstation or a CI runner, that could reach services that are not on the internet:
``localhost``, the office network, a cloud metadata endpoint (``169.254.169.254``). So by
default (``allow_private=False``) every host name is resolved first and an address that is not
globally routable (loopback, private, link-local, carrier-grade NAT, multicast, reserved,
unspecified; IPv4-mapped IPv6 is unwrapped first) is not contacted: the link is reported as
``refused-private``. The connection then goes to the very address that was checked, so a name
that resolves differently a second time (DNS rebinding) cannot slip through, and every redirect
hop is checked the same way. ``allow_private=True`` (``--allow-private``) turns this off, for
testing against a local server or checking an intranet layer you trust.

Outcomes
--------
``ok``, ``redirected``, ``slow`` (``ok`` but slower than ``slow_after`` seconds), ``dead``
(the final status is 4xx/5xx), ``unreachable`` (DNS failure, connection refused or reset, TLS
error, broken HTTP, too many redirects; ``reason`` says which), ``timeout``, ``refused-scheme``,
``refused-private`` and ``missing-archive``. :data:`FAILING` lists the ones that mean the link is
broken for readers.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit

from facilitymap.model import Site

OUTCOMES = (
    "ok",
    "redirected",
    "slow",
    "dead",
    "unreachable",
    "timeout",
    "refused-scheme",
    "refused-private",
    "missing-archive",
)
# Outcomes that mean a reader following the link gets nothing.
FAILING = frozenset({"dead", "unreachable", "timeout"})
FIELDS = ("url", "archive_url")
MAX_BODY_BYTES = 4096
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_FETCHABLE = ("http", "https")
# Text taken from a server (a Location header, an error message) is cut to this length.
_MAX_TEXT = 2048
# Characters left as they are when a URL's path and query are percent-encoded for the wire.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"

Progress = Callable[[int, int], None]


def user_agent() -> str:
    """The User-Agent header sent with every request."""
    from facilitymap import __version__

    return f"facilitymap-check-links/{__version__}"


@dataclass(frozen=True)
class LinkResult:
    """What checking one use of a link found.

    ``site_id``, ``source_id``, ``source_index`` and ``field`` (``url`` or ``archive_url``) say
    where the link is used; ``url`` is the link as written (None for ``missing-archive``).
    ``status`` is the last HTTP status received, ``final_url`` where redirects ended,
    ``redirects`` each hop as ``(status, location)``, ``reason`` a short explanation for the
    outcomes that need one, ``elapsed`` the seconds the check took and ``method`` the request
    that decided it (``HEAD`` or ``GET``).
    """

    site_id: str
    source_id: str
    source_index: int
    field: str
    url: str | None
    outcome: str
    status: int | None = None
    final_url: str | None = None
    reason: str | None = None
    elapsed: float | None = None
    method: str | None = None
    redirects: tuple[tuple[int, str], ...] = ()

    @property
    def pointer(self) -> str:
        """Where the link is in the site: ``sources[1].archive_url``."""
        return f"sources[{self.source_index}].{self.field}"

    @property
    def failing(self) -> bool:
        """True when the link is broken for a reader (dead, unreachable, timeout)."""
        return self.outcome in FAILING

    def describe(self) -> str:
        """The outcome in words: ``dead (404 Not Found) <https://...>``."""
        link = f"<{self.url}>"
        if self.outcome == "missing-archive":
            return f"missing-archive (source {self.source_id!r} has no archive_url)"
        if self.outcome == "ok":
            return f"ok {link}"
        if self.outcome == "redirected":
            first = self.redirects[0][0] if self.redirects else self.status
            return f"redirected ({first}) {link} -> <{self.final_url}>"
        if self.outcome == "slow":
            return f"slow ({self.elapsed:.1f} s) {link}"
        # Where redirects led, when the check ended somewhere else.
        via = f" -> <{self.final_url}>" if self.redirects else ""
        if self.outcome == "dead":
            return f"dead ({_status_text(self.status)}) {link}{via}"
        return f"{self.outcome} ({self.reason}) {link}{via}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "site": self.site_id,
            "source": self.source_id,
            "pointer": self.pointer,
            "field": self.field,
            "url": self.url,
            "outcome": self.outcome,
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [{"status": s, "url": u} for s, u in self.redirects],
            "reason": self.reason,
            "elapsed": None if self.elapsed is None else round(self.elapsed, 3),
            "method": self.method,
        }


def _status_text(status: int | None) -> str:
    # The phrase comes from our own table, never from the server.
    try:
        return f"{status} {HTTPStatus(status).phrase}"  # type: ignore[arg-type]  # None: TypeError
    except (ValueError, TypeError):
        return str(status)


@dataclass(frozen=True)
class _Fetch:
    """The outcome of fetching one distinct URL (shared by every use of it)."""

    outcome: str
    status: int | None = None
    final_url: str | None = None
    reason: str | None = None
    elapsed: float | None = None
    method: str | None = None
    redirects: tuple[tuple[int, str], ...] = ()


def fetch_key(url: str) -> str:
    """The URL as fetched: the fragment is never sent, so ``a#x`` and ``a#y`` are one fetch."""
    return url.split("#", 1)[0]


def check_links(
    sites: Iterable[Site],
    *,
    timeout: float = 10.0,
    concurrency: int = 8,
    slow_after: float = 3.0,
    progress: Progress | None = None,
    allow_private: bool = False,
    max_redirects: int = MAX_REDIRECTS,
) -> list[LinkResult]:
    """Check every source ``url`` and ``archive_url`` of ``sites``; one result per use.

    Parameters
    ----------
    sites : iterable of Site
        Usually ``load_layer(path).sites``.
    timeout : float
        Wall-clock budget in seconds for checking one URL, redirects and ``GET`` fallback
        included. Nothing waits longer.
    concurrency : int
        How many URLs are checked at the same time.
    slow_after : float
        An ``ok`` link that took longer than this is reported as ``slow``.
    progress : callable(done, total), optional
        Called from the calling thread with ``(0, total)`` before the first fetch and after
        each distinct URL is checked; ``total`` counts distinct fetched URLs.
    allow_private : bool
        Contact loopback, private and link-local addresses too (see the module docstring:
        the default refuses them and reports ``refused-private``).
    max_redirects : int
        Redirects followed before the link is reported ``unreachable``.

    Returns
    -------
    list of LinkResult
        In layer order: per site, per source, ``url`` then ``archive_url`` (or its
        ``missing-archive`` entry).
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    if max_redirects < 0:
        raise ValueError(f"max_redirects must be 0 or more, got {max_redirects!r}")
    uses = list(_link_uses(sites))
    keys = list(dict.fromkeys(fetch_key(url) for *_, url in uses if url is not None))
    fetched: dict[str, _Fetch] = {}
    to_fetch = []
    for key in keys:
        refused = _refuse_scheme(key)
        if refused is not None:
            fetched[key] = refused
        else:
            to_fetch.append(key)
    total, done = len(to_fetch), 0
    if progress is not None:
        progress(0, total)
    if to_fetch:
        options = _Options(timeout, allow_private, max_redirects)
        pool = ThreadPoolExecutor(
            max_workers=min(concurrency, len(to_fetch)), thread_name_prefix="check-links"
        )
        try:
            futures = {pool.submit(_check_url, key, options): key for key in to_fetch}
            for future in as_completed(futures):
                fetched[futures[future]] = future.result()
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            # On an interrupt, drop what has not started; running checks end at their deadline.
            pool.shutdown(wait=True, cancel_futures=True)
    results = []
    for site_id, source_id, index, field, url in uses:
        if url is None:
            results.append(LinkResult(site_id, source_id, index, field, None, "missing-archive"))
            continue
        f = fetched[fetch_key(url)]
        outcome = f.outcome
        if outcome == "ok" and f.elapsed is not None and f.elapsed > slow_after:
            outcome = "slow"
        results.append(
            LinkResult(
                site_id,
                source_id,
                index,
                field,
                url,
                outcome,
                status=f.status,
                final_url=f.final_url,
                reason=f.reason,
                elapsed=f.elapsed,
                method=f.method,
                redirects=f.redirects,
            )
        )
    return results


def _link_uses(sites: Iterable[Site]):
    """``(site_id, source_id, index, field, url)`` per link; url None for a missing archive."""
    for site in sites:
        for index, source in enumerate(site.sources):
            yield site.id, source.id, index, "url", source.url
            yield site.id, source.id, index, "archive_url", source.archive_url or None


def summarize(results: Iterable[LinkResult]) -> dict[str, int]:
    """How many results of each outcome, in :data:`OUTCOMES` order, zero counts left out."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        counts[result.outcome] += 1
    return {k: v for k, v in counts.items() if v}


# ----------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class _Options:
    timeout: float
    allow_private: bool
    max_redirects: int


class _PrivateAddress(Exception):
    """The target resolved only to addresses that are not globally routable."""


class _Broken(Exception):
    """The URL cannot be requested at all (no host, bad port, bad characters)."""


def _refuse_scheme(url: str) -> _Fetch | None:
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return _Fetch("unreachable", reason="not a URL")
    if scheme in _FETCHABLE:
        return None
    return _Fetch("refused-scheme", reason=f"{scheme or 'no'} scheme: not fetched")


def is_refused_address(address: str) -> bool:
    """True when ``address`` (an IP) is not globally routable and is refused by default."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


class _Deadline:
    """A wall-clock budget; when it runs out every socket handed to :meth:`track` is shut down.

    Shutting a socket down from another thread wakes a ``recv`` blocked in it, which the
    per-operation socket timeout alone would not do for a server sending a byte now and then.
    Each tracked socket is duplicated: shutdown acts on the socket itself, so the duplicate
    reaches it even after the original object has been wrapped in TLS.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline reached")
        return left

    def track(self, sock: socket.socket) -> None:
        watched = sock.dup()
        with self._lock:
            self._watched.append(watched)
            if self.expired:
                _shutdown(watched)
                raise TimeoutError("deadline reached")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._watched:
                _shutdown(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._watched:
                sock.close()
            self._watched.clear()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _resolve(host: str, port: int, seconds: float) -> list[tuple]:
    """getaddrinfo with a time limit: the lookup runs in a daemon thread left behind if slow."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    box: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            box["value"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as err:  # handed to the waiting thread
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=lookup, name="check-links-dns", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError("name lookup timed out")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _dial(host: str, port: int, deadline: _Deadline, allow_private: bool) -> socket.socket:
    """Connect to a checked address of ``host`` within the deadline."""
    infos = _resolve(host, port, deadline.remaining())
    refused: list[str] = []
    last_error: OSError | None = None
    for family, kind, proto, _, address in infos:
        if not allow_private and is_refused_address(address[0]):
            refused.append(address[0])
            continue
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.remaining())
            deadline.track(sock)
            sock.connect(address)
            return sock
        except TimeoutError:
            sock.close()
            raise
        except OSError as err:
            sock.close()
            last_error = err
            if deadline.expired:
                raise TimeoutError("deadline reached") from err
    if last_error is not None:
        raise last_error
    if refused:
        raise _PrivateAddress(", ".join(dict.fromkeys(refused)))
    raise socket.gaierror(socket.EAI_NONAME, "no address")


class _Connection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, timeout: float, dial: Callable) -> None:
        super().__init__(host, port, timeout=timeout)
        self._dial = dial

    def connect(self) -> None:
        self.sock = self._dial(self.host, self.port)


class _TLSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, *, timeout: float, dial: Callable, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._dial = dial
        self._tls = context

    def connect(self) -> None:
        raw = self._dial(self.host, self.port)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


_TLS_CONTEXT: ssl.SSLContext | None = None
_TLS_LOCK = threading.Lock()


def _tls_context() -> ssl.SSLContext:
    global _TLS_CONTEXT
    with _TLS_LOCK:
        if _TLS_CONTEXT is None:
            _TLS_CONTEXT = ssl.create_default_context()
        return _TLS_CONTEXT


def _target(url: str) -> tuple[SplitResult, str, int, str]:
    """The parts of ``url``, its ASCII host, port, and the request target to send."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise _Broken(f"invalid URL: {err}") from None
    host = parts.hostname
    if not host:
        raise _Broken("URL has no host")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Broken("invalid host name") from None
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE)
    return parts, ascii_host, port, path


class _Response:
    __slots__ = ("body", "location", "status")

    def __init__(self, status: int, location: str | None, body: bytes = b"") -> None:
        self.status = status
        self.location = location
        self.body = body


def _request(
    method: str,
    url: str,
    deadline: _Deadline,
    options: _Options,
    *,
    body_limit: int = MAX_BODY_BYTES,
    user_agent_name: str | None = None,
) -> _Response:
    """One request over a fresh connection; connection errors are raised as they come."""
    parts, host, port, path = _target(url)

    def dial(h: str, p: int) -> socket.socket:
        return _dial(h, p, deadline, options.allow_private)

    timeout = deadline.remaining()
    if parts.scheme.lower() == "https":
        conn: http.client.HTTPConnection = _TLSConnection(
            host, port, timeout=timeout, dial=dial, context=_tls_context()
        )
    else:
        conn = _Connection(host, port, timeout=timeout, dial=dial)
    try:
        conn.connect()
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("User-Agent", user_agent_name or user_agent())
        conn.putheader("Accept", "*/*")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        location = response.getheader("Location")
        body = response.read(body_limit) if method == "GET" else b""
        return _Response(response.status, location[:_MAX_TEXT] if location else None, body)
    finally:
        conn.close()


def _head_then_get(url: str, deadline: _Deadline, options: _Options) -> tuple[_Response, str]:
    try:
        response = _request("HEAD", url, deadline, options)
    except (http.client.HTTPException, ConnectionResetError, ConnectionAbortedError):
        if deadline.expired:
            raise
    else:
        if response.status < 400:
            return response, "HEAD"
    return _request("GET", url, deadline, options), "GET"


def _check_url(url: str, options: _Options) -> _Fetch:
    """Fetch one URL, following redirects, within ``options.timeout`` seconds; never raises."""
    start = time.monotonic()
    deadline = _Deadline(options.timeout)
    redirects: list[tuple[int, str]] = []
    current = url
    method = None

    def result(outcome: str, **fields: Any) -> _Fetch:
        return _Fetch(
            outcome,
            elapsed=time.monotonic() - start,
            method=method,
            redirects=tuple(redirects),
            final_url=current if redirects else None,
            **fields,
        )

    try:
        while True:
            response, method = _head_then_get(current, deadline, options)
            if deadline.expired:  # a body cut short at the deadline reads as a short body
                raise TimeoutError("deadline reached")
            if response.status in REDIRECT_STATUSES and response.location:
                target = urljoin(current, response.location)
                redirects.append((response.status, target))
                if _refuse_scheme(target) is not None:
                    current = target
                    scheme = urlsplit(target).scheme or "schemeless"
                    reason = f"redirect to a {scheme} URL, not followed"
                    return result("refused-scheme", status=response.status, reason=reason)
                current = fetch_key(target)
                if len(redirects) > options.max_redirects:
                    reason = f"more than {options.max_redirects} redirects"
                    return result("unreachable", status=response.status, reason=reason)
                continue
            if response.status >= 400:
                return result("dead", status=response.status)
            return result("redirected" if redirects else "ok", status=response.status)
    except Exception as err:
        if deadline.expired or isinstance(err, TimeoutError):
            return result("timeout", reason=f"no complete answer within {options.timeout:g} s")
        if isinstance(err, _PrivateAddress):
            return result("refused-private", reason=f"resolves to {err}")
        return result("unreachable", reason=_error_reason(err))
    finally:
        deadline.close()


class FetchError(Exception):
    """Raised by :func:`fetch` when a URL gives no answer: ``outcome`` is ``timeout``,
    ``unreachable``, ``refused-scheme`` or ``refused-private``, ``reason`` says why."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """The answer :func:`fetch` got: the last status, where redirects ended, the body read."""

    status: int
    final_url: str
    body: bytes


def fetch(
    url: str,
    *,
    timeout: float = 10.0,
    allow_private: bool = False,
    max_redirects: int = MAX_REDIRECTS,
    max_body: int = 1 << 20,
    agent: str | None = None,
) -> Fetched:
    """GET one URL with the same guarantees as :func:`check_links`: a hard wall-clock deadline
    for the whole exchange (redirects included), private addresses refused unless asked, only
    http(s), at most ``max_body`` bytes read. For other tools that talk to web APIs
    (``facilitymap archive``).

    Raises
    ------
    FetchError
        When no HTTP answer came (the status of an answer, 4xx included, is returned).
    """
    refused = _refuse_scheme(url)
    if refused is not None:
        raise FetchError(refused.outcome, refused.reason or "")
    deadline = _Deadline(timeout)
    options = _Options(timeout, allow_private, max_redirects)
    current, hops = fetch_key(url), 0
    try:
        while True:
            response = _request(
                "GET", current, deadline, options, body_limit=max_body, user_agent_name=agent
            )
            if deadline.expired:
                raise TimeoutError("deadline reached")
            if response.status in REDIRECT_STATUSES and response.location:
                target = urljoin(current, response.location)
                hops += 1
                if _refuse_scheme(target) is not None or hops > max_redirects:
                    raise FetchError("unreachable", f"redirect to {target[:200]} not followed")
                current = fetch_key(target)
                continue
            return Fetched(response.status, current, response.body)
    except FetchError:
        raise
    except Exception as err:
        if deadline.expired or isinstance(err, TimeoutError):
            raise FetchError("timeout", f"no complete answer within {timeout:g} s") from None
        if isinstance(err, _PrivateAddress):
            raise FetchError("refused-private", f"resolves to {err}") from None
        raise FetchError("unreachable", _error_reason(err)) from None
    finally:
        deadline.close()


def _error_reason(err: BaseException) -> str:
    if isinstance(err, _Broken):
        reason = str(err)
    elif isinstance(err, socket.gaierror):
        reason = f"name lookup failed: {err.strerror or err}"
    elif isinstance(err, ConnectionRefusedError):
        reason = "connection refused"
    elif isinstance(err, ConnectionResetError):
        reason = "connection reset"
    elif isinstance(err, ssl.SSLCertVerificationError):
        reason = f"TLS certificate: {err.verify_message or err.reason}"
    elif isinstance(err, ssl.SSLError):
        reason = f"TLS: {err.reason or err}"
    elif isinstance(err, http.client.RemoteDisconnected):
        reason = "closed the connection without a response"
    elif isinstance(err, http.client.InvalidURL):
        reason = f"invalid URL: {err}"
    elif isinstance(err, http.client.HTTPException):
        reason = f"broken HTTP response ({type(err).__name__})"
    elif isinstance(err, OSError) and err.strerror:
        reason = err.strerror.lower()
    else:
        reason = f"{type(err).__name__}: {err}"
    return reason[:200]


__all__ = [
    "FAILING",
    "OUTCOMES",
    "FetchError",
    "Fetched",
    "LinkResult",
    "check_links",
    "fetch",
    "fetch_key",
    "is_refused_address",
    "summarize",
    "user_agent",
]
