"""The outbound HTTP client of steps and connectors: stdlib only, bounded, and refusing private addresses.

Flows are written by workspace users, so a URL in a flow must not become a
way into the server's own network (the database, the cloud metadata service,
an admin port on loopback). The host is resolved once, every address is
checked, and the connection goes to the checked address itself so a second
DNS answer cannot swap in another one. Redirects are not followed (the next
hop would escape the check). Settings: ``WEFT_HTTP_ALLOW_PRIVATE`` (bool) and
``WEFT_HTTP_ALLOWED_HOSTS`` (host names, addresses or networks allowed even
when private).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_BODY_BYTES = 1024 * 1024
MAX_TIMEOUT = 60.0
KEPT_HEADERS = ("content-type", "content-length", "location", "etag", "last-modified", "retry-after",
                "x-request-id", "request-id", "date")


class HttpError(Exception):
    """The request could not be made or completed; ``retryable`` says whether trying later may help."""

    retryable = True
    code = "http_unreachable"


class AddressRefused(HttpError):
    retryable = False
    code = "http_address_refused"


class BadUrl(HttpError):
    retryable = False
    code = "http_bad_url"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False
    elapsed_ms: int = 0
    all_headers: list[tuple[str, str]] = field(default_factory=list)


def _allowed_hosts() -> list[str]:
    return [str(h).strip().lower() for h in getattr(settings, "WEFT_HTTP_ALLOWED_HOSTS", []) or []]


def _listed(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: list[str]) -> bool:
    for entry in allowed:
        if entry == host:
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Only globally routable unicast addresses; IPv4 mapped into IPv6 is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> str:
    """One checked address to connect to; raises AddressRefused for private targets."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HttpError(_("cannot resolve host '%(host)s': %(error)s") % {"host": host, "error": exc}) from None
    if not infos:
        raise HttpError(_("host '%(host)s' has no address") % {"host": host})
    if getattr(settings, "WEFT_HTTP_ALLOW_PRIVATE", False):
        return infos[0][4][0]
    allowed = _allowed_hosts()
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not is_public(address) and not _listed(host.lower(), address, allowed):
            raise AddressRefused(_("'%(host)s' resolves to %(address)s, a private or local address; requests "
                                   "there are not allowed") % {"host": host, "address": address})
    return infos[0][4][0]


class _Pinned(http.client.HTTPConnection):
    """Connects to the checked address while sending the original host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def request(method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
            timeout: float = 10.0, max_bytes: int = MAX_BODY_BYTES) -> Response:
    """Send one request and read at most ``max_bytes`` of the answer within ``timeout`` seconds overall."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl(_("'%(url)s' is not an http(s) URL") % {"url": url[:200]})
    if parts.username or parts.password:
        raise BadUrl(_("put credentials in a header, not in the URL"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise BadUrl(_("'%(url)s' has an invalid port") % {"url": url[:200]}) from None
    timeout = max(0.1, min(float(timeout), MAX_TIMEOUT))
    address = resolve(parts.hostname, port)
    connection_class = _PinnedTLS if parts.scheme == "https" else _Pinned
    connection = connection_class(parts.hostname, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request(method, target, body=body, headers=headers or {})
        answer = connection.getresponse()
        chunks, size, truncated = [], 0, False
        while True:
            if time.monotonic() - started > timeout:
                raise TimeoutError(_("no complete answer within %(n)s s") % {"n": timeout})
            chunk = answer.read(min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                truncated = True
                break
        data = b"".join(chunks)[:max_bytes]
        all_headers = [(k.lower(), v) for k, v in answer.getheaders()]
    except (OSError, http.client.HTTPException) as exc:
        raise HttpError(_("%(method)s %(host)s failed: %(error)s") % {
            "method": method, "host": parts.hostname, "error": str(exc) or type(exc).__name__}) from None
    finally:
        connection.close()
    kept = {k: v for k, v in all_headers if k in KEPT_HEADERS}
    return Response(answer.status, kept, data, truncated, int((time.monotonic() - started) * 1000), all_headers)
