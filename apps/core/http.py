"""The outbound HTTP client of steps and connectors: stdlib only, bounded, and refusing private addresses.

Flows are written by workspace users, so a URL in a flow must not become a
way into the server's own network (the database, the cloud metadata service,
an admin port on loopback). The host is resolved once, every address is
checked, and the connection goes to the checked address itself so a second
DNS answer cannot swap in another one. Redirects are followed hop by hop, and
every hop is parsed, resolved, checked and pinned exactly like the first.

A private address is reachable only when an allow-list names it: the caller's
list (a workspace's ``http_allow_list``) plus the setting
``WEFT_HTTP_ALLOWED_HOSTS``. An entry allows only what it names: a host name
(``erp.corp.example``, or ``*.corp.example`` for its subdomains), an address
or a network, optionally with ``:port``. ``WEFT_HTTP_ALLOW_PRIVATE = True``
turns the check off (development and tests only).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_BODY_BYTES = 1024 * 1024
MAX_TIMEOUT = 60.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "transfer-encoding"})
KEPT_HEADERS = ("content-type", "content-length", "location", "etag", "last-modified", "retry-after",
                "x-request-id", "request-id", "date")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
PATH_SAFE = "/%:@!$&'()*+,;=-._~"
QUERY_SAFE = PATH_SAFE + "?"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class HttpError(Exception):
    """The request could not be made or completed; ``retryable`` says whether trying later may help."""

    retryable = True
    code = "http_unreachable"


class HttpTimeout(HttpError):
    code = "http_timeout"


class AddressRefused(HttpError):
    retryable = False
    code = "http_address_refused"


class BadUrl(HttpError):
    retryable = False
    code = "http_bad_url"


class TooManyRedirects(HttpError):
    retryable = False
    code = "http_too_many_redirects"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False
    elapsed_ms: int = 0
    all_headers: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    redirects: int = 0


# --- allow-list -------------------------------------------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class AllowEntry:
    """One parsed allow-list entry: a host name pattern or a network, and maybe a port."""

    text: str
    host: str = ""
    network: Network | None = None
    port: int | None = None

    def matches(self, host: str, address: Address, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return any(a.version == self.network.version and a in self.network for a in _forms(address))
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def _as_network(text: str) -> Network | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return ipaddress.ip_network(address)


def _as_port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(_("'%(entry)s' has an invalid port (1 to 65535)") % {"entry": entry})
    return int(text)


@lru_cache(maxsize=2048)
def parse_allow_entry(text: str) -> AllowEntry:
    """Parse ``erp.corp.example``, ``*.corp.example:8443``, ``10.0.0.5``, ``10.0.0.0/8:5432``, ``[fd00::/8]:80``.

    Raises ValueError with a message for people; dotted-quad is the only IPv4
    spelling accepted, so that what the list says is what is matched.
    """
    raw = str(text).strip().lower()
    if not raw:
        raise ValueError(_("is empty"))
    if len(raw) > 300:
        raise ValueError(_("is longer than 300 characters"))
    if raw.startswith("["):
        inside, bracket, rest = raw[1:].partition("]")
        network = _as_network(inside) if bracket else None
        if network is None or (rest and not rest.startswith(":")):
            raise ValueError(_("'%(entry)s' is not an IPv6 address or network in brackets") % {"entry": raw})
        return _entry(network=network, port=_as_port(rest[1:], raw) if rest else None)
    body, port = raw, None
    if raw.count(":") == 1:
        body, port_text = raw.split(":")
        port = _as_port(port_text, raw)
    network = _as_network(body)
    if network is not None:
        return _entry(network=network, port=port)
    host = body.removesuffix(".")
    labels = host.removeprefix("*.").split(".")
    wildcard = host.startswith("*.")
    if (":" in host or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit()
            or (wildcard and len(labels) < 2)):
        raise ValueError(_("'%(entry)s' is not a host name (erp.example.com, *.corp.example), an IP address "
                           "(10.0.0.5) or a network (10.0.0.0/8), optionally with :port") % {"entry": raw})
    return _entry(host=host, port=port)


def _entry(*, host: str = "", network: Network | None = None, port: int | None = None) -> AllowEntry:
    """An entry with its canonical spelling, which is what a workspace stores."""
    if network is None:
        text = host
    else:
        text = str(network.network_address) if network.num_addresses == 1 else str(network)
        if port is not None and network.version == 6:
            text = f"[{text}]"
    return AllowEntry(text + (f":{port}" if port is not None else ""), host=host, network=network, port=port)


def _entries(allow: Iterable[str]) -> list[AllowEntry]:
    """The caller's entries plus the setting's; entries that no longer parse allow nothing."""
    entries = []
    for text in [*(getattr(settings, "WEFT_HTTP_ALLOWED_HOSTS", []) or []), *allow]:
        try:
            entries.append(parse_allow_entry(str(text)))
        except ValueError:
            continue
    return entries


# --- address checks ---------------------------------------------------------------------------------------

def _embedded(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), which is where packets end up."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _forms(address: Address) -> list[Address]:
    inner = _embedded(address)
    return [address] if inner is None else [address, inner]


def is_public(address: Address) -> bool:
    """Only globally routable unicast addresses; an IPv6 address carrying an IPv4 one is judged by both."""
    inner = _embedded(address)
    if inner is not None and (address.ipv4_mapped is not None or address in NAT64):
        return is_public(inner)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not address.is_multicast and not address.is_reserved


def resolve(host: str, port: int, allow: Sequence[str] = ()) -> str:
    """One checked address to connect to; raises AddressRefused for private targets not on an allow-list."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HttpError(_("cannot resolve host '%(host)s': %(error)s") % {"host": host, "error": exc}) from None
    if not infos:
        raise HttpError(_("host '%(host)s' has no address") % {"host": host})
    if getattr(settings, "WEFT_HTTP_ALLOW_PRIVATE", False):
        return infos[0][4][0]
    entries = _entries(allow)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if is_public(address) or any(entry.matches(host, address, port) for entry in entries):
            continue
        shown = _forms(address)[-1]
        names = f"'{host}'" if host == str(shown) else _("'%(host)s' or '%(address)s'") % {
            "host": host, "address": shown}
        raise AddressRefused(_(
            "'%(host)s' (port %(port)d) resolves to %(address)s, a private, local or reserved address, so the "
            "request is refused. If this server is meant to be reached, a workspace owner or admin can add "
            "%(names)s to the workspace's HTTP allow-list.") % {
                "host": host, "port": port, "address": shown, "names": names})
    return infos[0][4][0]


# --- one exchange over a pinned connection ----------------------------------------------------------------

@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _Pinned(http.client.HTTPConnection):
    """Connects to the checked address while sending the original host name.

    ``opened`` keeps the socket after http.client hands it over to a response
    that reads until the server closes, so the deadline can still end it.
    """

    opened: socket.socket | None = None

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = self.opened = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTLS(http.client.HTTPSConnection):
    opened: socket.socket | None = None

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self.address = address

    def connect(self) -> None:
        self.opened = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.opened = self._context.wrap_socket(self.opened, server_hostname=self.host)


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


def check_url(url: str) -> str:
    """The URL as it will be requested, or BadUrl: what a form or an API checks before saving one."""
    return _target(url).url


def _target(url: str) -> _Target:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl(_("'%(url)s' is not an http(s) URL") % {"url": url[:200]})
    if parts.username is not None or parts.password is not None:
        raise BadUrl(_("put credentials in a header, not in the URL"))
    try:
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
        host = parts.hostname.removesuffix(".").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise BadUrl(_("'%(url)s' has an invalid host or port") % {"url": url[:200]}) from None
    if not port or not host:
        raise BadUrl(_("'%(url)s' has an invalid host or port") % {"url": url[:200]})
    path = quote(parts.path or "/", safe=PATH_SAFE) + (f"?{quote(parts.query, safe=QUERY_SAFE)}"
                                                       if parts.query else "")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{port}"
    return _Target(urlunsplit((parts.scheme, netloc, path.split("?")[0], path.partition("?")[2], "")),
                   parts.scheme, host, port, path)


def _expire(connection: _Pinned | _PinnedTLS, expired: threading.Event) -> None:
    """At the deadline: end whatever read or write is blocked, however slowly the server drips bytes."""
    expired.set()
    sock = connection.opened
    if sock is not None:
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _exchange(target: _Target, address: str, method: str, headers: dict[str, str], body: bytes | None,
              deadline: float, max_bytes: int, stop_at_redirect: bool) -> tuple[int, list, bytes, bool]:
    remaining = deadline - time.monotonic()
    timeout_error = HttpTimeout(_("%(method)s %(host)s: no complete answer within the time limit") % {
        "method": method, "host": target.host})
    if remaining <= 0:
        raise timeout_error
    connection_class = _PinnedTLS if target.scheme == "https" else _Pinned
    connection = connection_class(target.host, target.port, address, remaining)
    expired = threading.Event()
    timer = threading.Timer(remaining, _expire, (connection, expired))
    timer.daemon = True
    timer.start()
    answer = None
    try:
        connection.request(method, target.path, body=body, headers=headers)
        answer = connection.getresponse()
        all_headers = [(k.lower(), v) for k, v in answer.getheaders()]
        if stop_at_redirect and answer.status in REDIRECT_STATUSES and answer.getheader("location"):
            return answer.status, all_headers, b"", False
        chunks, size, truncated = [], 0, False
        while True:
            chunk = answer.read(min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                truncated = True
                break
        if expired.is_set():
            raise timeout_error
        return answer.status, all_headers, b"".join(chunks)[:max_bytes], truncated
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise timeout_error from None
        raise HttpError(_("%(method)s %(host)s failed: %(error)s") % {
            "method": method, "host": target.host, "error": str(exc) or type(exc).__name__}) from None
    finally:
        timer.cancel()
        if answer is not None:
            answer.close()
        connection.close()


# --- redirects and the public entry point ---------------------------------------------------------------

def _next_hop(status: int, method: str, body: bytes | None,
              headers: dict[str, str]) -> tuple[str, bytes | None, dict[str, str]]:
    """303 (and 301/302 after POST) become a GET without body, as browsers do; 307/308 repeat the request."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return "GET", None, {k: v for k, v in headers.items() if k.lower() not in BODY_HEADERS}
    return method, body, headers


def request(method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
            timeout: float = 10.0, max_bytes: int = MAX_BODY_BYTES, follow_redirects: bool = True,
            max_redirects: int = MAX_REDIRECTS, allow: Sequence[str] = (),
            sensitive_headers: Sequence[str] = ()) -> Response:
    """Send one request, following redirects, and read at most ``max_bytes`` within ``timeout`` s overall.

    ``allow`` is the caller's allow-list (see the module's docstring). When a
    redirect leads to another origin (scheme, host or port), ``Authorization``,
    ``Cookie`` and the ``sensitive_headers`` are not sent there.
    """
    timeout = max(0.1, min(float(timeout), MAX_TIMEOUT))
    started = time.monotonic()
    deadline = started + timeout
    sensitive = CREDENTIAL_HEADERS | {"host"} | {str(h).lower() for h in sensitive_headers}
    headers = dict(headers or {})
    current = _target(url)
    redirects = 0
    while True:
        try:
            address = resolve(current.host, current.port, allow)
            status, all_headers, data, truncated = _exchange(current, address, method, headers, body, deadline,
                                                             max_bytes, follow_redirects)
        except HttpError as exc:
            if not redirects:
                raise
            raise type(exc)(_("redirected to %(url)s: %(error)s") % {"url": current.url[:200], "error": exc}) \
                from None
        location = dict(all_headers).get("location")
        if not follow_redirects or status not in REDIRECT_STATUSES or not location:
            break
        if redirects >= max_redirects:
            raise TooManyRedirects(_("%(url)s: more than %(n)d redirects") % {"url": url[:200], "n": max_redirects})
        try:
            following = _target(urljoin(current.url, location))
        except BadUrl as exc:
            raise BadUrl(_("%(url)s redirects to an unusable location: %(error)s") % {
                "url": current.url[:200], "error": exc}) from None
        method, body, headers = _next_hop(status, method, body, headers)
        if following.origin != current.origin:
            headers = {k: v for k, v in headers.items() if k.lower() not in sensitive}
        current = following
        redirects += 1
    kept = {k: v for k, v in all_headers if k in KEPT_HEADERS}
    return Response(status, kept, data, truncated, int((time.monotonic() - started) * 1000), all_headers,
                    url=current.url, redirects=redirects)
