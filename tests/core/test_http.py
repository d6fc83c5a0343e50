"""The outbound HTTP client against real servers on loopback: the address guard, allow-lists, redirects, limits."""

from __future__ import annotations

import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from apps.core import http
from tests.support.loopback import Answer, LoopbackServer, Route, redirect


def drip(headers_too: bool = False) -> Route:
    """One byte every 50 ms (at most 20 s), so only an overall deadline ends the wait."""
    def route(handler: BaseHTTPRequestHandler, server: LoopbackServer) -> None:
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"p" * 400 + b"\r\n\r\n"
        if not headers_too:
            handler.wfile.write(head)
            head = b""
        data = head + b"x" * 400
        for i in range(len(data)):
            if server.closing.wait(0.05):
                return
            try:
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
            except OSError:
                return
    return route


@pytest.fixture
def servers(loopback_servers) -> Callable[[], LoopbackServer]:
    return loopback_servers


@pytest.fixture
def server(loopback) -> LoopbackServer:
    return loopback


@pytest.fixture(autouse=True)
def guarded(settings) -> None:
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = []


FAKE_DNS = {
    "erp.internal.example": ["10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.34", "10.0.0.5"],
    "cgnat.example": ["100.64.3.4"],
    "mapped.example": ["::ffff:10.0.0.5"],
    "sixtofour.example": ["2002:a9fe:a9fe::1"],
    "ula.example": ["fd12:3456::1"],
    "linklocal6.example": ["fe80::1"],
    "multicast.example": ["224.0.0.251"],
    "unspecified.example": ["0.0.0.0"],
    "reserved.example": ["240.0.0.1"],
    "public.example": ["93.184.216.34"],
}


@pytest.fixture
def fake_dns(monkeypatch) -> None:
    """Answers for the names above; every other name goes to the real resolver."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in FAKE_DNS:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in FAKE_DNS[host]]

    monkeypatch.setattr(http.socket, "getaddrinfo", getaddrinfo)


# --- the guard --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]",
                                  "[::1]"])
def test_loopback_is_refused_in_every_spelling(server, host):
    with pytest.raises(http.AddressRefused) as refused:
        http.request("GET", f"http://{host}:{server.port}/x")

    message = str(refused.value)
    assert host.strip("[]") in message and "allow-list" in message
    assert "127.0.0.1" in message or "::1" in message
    assert refused.value.retryable is False and refused.value.code == "http_address_refused"
    assert server.requests == []


@pytest.mark.parametrize(("host", "entry"), [
    ("localhost", "localhost"),
    ("localhost", "localhost:{port}"),
    ("127.0.0.1", "127.0.0.1"),
    ("127.0.0.1", "127.0.0.0/8"),
    ("127.0.0.1", "127.0.0.1:{port}"),
    ("127.1", "127.0.0.0/8:{port}"),
    ("localhost", "LocalHost."),
])
def test_the_allow_list_lets_the_named_target_through(server, host, entry):
    response = http.request("GET", f"http://{host}:{server.port}/x", allow=[entry.format(port=server.port)])

    assert response.status == 200 and response.body == b'{"ok": true}'
    assert response.redirects == 0 and response.url == f"http://{host}:{server.port}/x"
    assert [r["path"] for r in server.requests] == ["/x"]


@pytest.mark.parametrize(("host", "entry"), [
    ("127.0.0.1", "127.0.0.1:{other}"),
    ("localhost", "localhost:{other}"),
    ("127.0.0.1", "localhost"),
    ("localhost", "10.0.0.0/8"),
    ("localhost", "*.localhost"),
])
def test_entries_allow_only_what_they_name(server, host, entry):
    other = server.port + 1 if server.port < 65535 else server.port - 1
    with pytest.raises(http.AddressRefused):
        http.request("GET", f"http://{host}:{server.port}/x", allow=[entry.format(other=other)])
    assert server.requests == []


def test_the_settings_list_still_counts(server, settings):
    settings.WEFT_HTTP_ALLOWED_HOSTS = [f"127.0.0.1:{server.port}"]
    assert http.request("GET", f"{server.url}/x").status == 200


@pytest.mark.parametrize(("host", "address"), [
    ("erp.internal.example", "10.0.0.5"),
    ("metadata.example", "169.254.169.254"),
    ("mixed.example", "10.0.0.5"),
    ("cgnat.example", "100.64.3.4"),
    ("mapped.example", "10.0.0.5"),
    ("sixtofour.example", "169.254.169.254"),
    ("ula.example", "fd12:3456::1"),
    ("linklocal6.example", "fe80::1"),
    ("multicast.example", "224.0.0.251"),
    ("unspecified.example", "0.0.0.0"),
    ("reserved.example", "240.0.0.1"),
])
def test_names_resolving_to_private_addresses_are_refused(fake_dns, host, address):
    with pytest.raises(http.AddressRefused) as refused:
        http.request("GET", f"https://{host}/orders", allow=["erp.other.example", "192.168.0.0/16"])

    assert f"'{host}'" in str(refused.value) and address in str(refused.value)


def test_names_and_networks_on_the_list_resolve_to_their_private_address(fake_dns):
    assert http.resolve("erp.internal.example", 443, ["erp.internal.example"]) == "10.0.0.5"
    assert http.resolve("erp.internal.example", 443, ["*.internal.example"]) == "10.0.0.5"
    assert http.resolve("erp.internal.example", 443, ["10.0.0.0/8:443"]) == "10.0.0.5"
    assert http.resolve("mapped.example", 80, ["10.0.0.5"]) == "::ffff:10.0.0.5"
    assert http.resolve("public.example", 80) == "93.184.216.34"
    with pytest.raises(http.AddressRefused):
        http.resolve("erp.internal.example", 80, ["10.0.0.0/8:443"])
    with pytest.raises(http.AddressRefused):
        http.resolve("metadata.example", 80, ["erp.internal.example", "*.internal.example"])
    with pytest.raises(http.AddressRefused):
        http.resolve("mixed.example", 80, ["93.184.216.34"])


@pytest.mark.parametrize(("entry", "canonical"), [
    ("ERP.Corp.Example.", "erp.corp.example"),
    ("*.corp.example:8443", "*.corp.example:8443"),
    ("10.0.0.5", "10.0.0.5"),
    ("10.1.2.3/8", "10.0.0.0/8"),
    ("[FD00::/8]:5432", "[fd00::/8]:5432"),
    ("::ffff:127.0.0.1", "127.0.0.1"),
    ("[::1]", "::1"),
])
def test_entries_have_one_spelling(entry, canonical):
    assert http.parse_allow_entry(entry).text == canonical


@pytest.mark.parametrize("entry", ["", "127.1", "0x7f.1", "2130706433", "*.com", "a b", "host:0", "host:x",
                                   "[::1", "[10.0.0.0/8]x", "exa*mple.com", "-bad.example"])
def test_odd_entries_are_refused(entry):
    with pytest.raises(ValueError):
        http.parse_allow_entry(entry)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "http://user:pw@example.com/",
                                 "http://example.com:99999/", "http:///nohost"])
def test_bad_urls(url):
    with pytest.raises(http.BadUrl):
        http.request("GET", url)


# --- redirects --------------------------------------------------------------------------------------------

def test_a_redirect_to_a_port_not_on_the_list_is_refused(servers):
    allowed, other = servers(), servers()
    allowed.answer("/start", redirect(f"{other.url}/inside"))

    with pytest.raises(http.AddressRefused) as refused:
        http.request("GET", f"{allowed.url}/start", allow=[f"127.0.0.1:{allowed.port}"])

    assert f"{other.url}/inside" in str(refused.value) and "allow-list" in str(refused.value)
    assert len(allowed.requests) == 1
    assert other.requests == []


def test_a_redirect_from_an_allowed_name_to_another_private_name_is_refused(server, fake_dns):
    server.answer("/start", redirect("http://erp.internal.example/admin"))

    with pytest.raises(http.AddressRefused) as refused:
        http.request("GET", f"http://localhost:{server.port}/start", allow=["localhost"])
    assert "10.0.0.5" in str(refused.value)


def test_a_chain_within_allowed_targets_is_followed_and_303_turns_post_into_get(servers):
    first, second = servers(), servers()
    first.answer("/orders", redirect(f"{second.url}/v2/orders", status=307))
    second.answer("/v2/orders", redirect(f"{first.url}/orders/7", status=303))
    first.answer("/orders/7", Answer(201, b'{"id": 7}'))

    response = http.request("POST", f"{first.url}/orders", body=b'{"qty": 2}',
                            headers={"Content-Type": "application/json"},
                            allow=[f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"])

    assert response.status == 201 and response.body == b'{"id": 7}'
    assert response.url == f"{first.url}/orders/7" and response.redirects == 2
    kept = second.requests[0]
    assert kept["method"] == "POST" and kept["body"] == b'{"qty": 2}'
    final = first.requests[1]
    assert final["method"] == "GET" and final["body"] == b"" and "content-type" not in final["headers"]


@pytest.mark.parametrize(("status", "method", "then"), [
    (301, "POST", "GET"), (302, "POST", "GET"), (303, "PUT", "GET"), (303, "HEAD", "HEAD"),
    (302, "PUT", "PUT"), (307, "POST", "POST"), (308, "PUT", "PUT"),
])
def test_the_method_after_each_redirect(server, status, method, then):
    server.answer("/a", redirect("/b", status=status))

    response = http.request(method, f"{server.url}/a", body=b"data" if method != "HEAD" else None,
                            allow=["127.0.0.1"])

    assert response.redirects == 1 and response.url == f"{server.url}/b"
    second = server.requests[1]
    assert second["method"] == then
    assert second["body"] == (b"data" if then in ("POST", "PUT") else b"")


def test_a_redirect_loop_stops_at_max_redirects(server):
    server.answer("/loop", redirect("/loop"))

    with pytest.raises(http.TooManyRedirects) as stopped:
        http.request("GET", f"{server.url}/loop", allow=["127.0.0.1"], max_redirects=3)

    assert stopped.value.code == "http_too_many_redirects" and stopped.value.retryable is False
    assert len(server.requests) == 4


def test_redirects_can_be_left_to_the_caller(server):
    server.answer("/moved", redirect("/new", status=301))

    response = http.request("GET", f"{server.url}/moved", allow=["127.0.0.1"], follow_redirects=False)

    assert response.status == 301 and response.headers["location"] == "/new" and response.redirects == 0
    assert len(server.requests) == 1


def test_credentials_are_not_sent_to_another_host(server):
    server.answer("/same", redirect("/moved"))
    server.answer("/moved", redirect(f"http://localhost:{server.port}/other-host"))
    headers = {"Authorization": "Bearer secret", "Cookie": "session=1", "X-Api-Key": "k", "X-Trace": "t1"}

    response = http.request("GET", f"{server.url}/same", headers=headers, allow=["127.0.0.1", "localhost"],
                            sensitive_headers=["x-api-key"])

    assert response.status == 200 and response.redirects == 2
    same, moved, other = (r["headers"] for r in server.requests)
    assert same["authorization"] == moved["authorization"] == "Bearer secret"
    assert moved["cookie"] == "session=1" and moved["x-api-key"] == "k"
    assert "authorization" not in other and "cookie" not in other and "x-api-key" not in other
    assert other["x-trace"] == "t1" and other["host"] == f"localhost:{server.port}"


@pytest.mark.parametrize("location", ["file:///etc/passwd", "http://user:pw@127.0.0.1/"])
def test_a_redirect_to_an_unusable_location_is_refused(server, location):
    server.answer("/go", redirect(location))
    with pytest.raises(http.BadUrl):
        http.request("GET", f"{server.url}/go", allow=["127.0.0.1"])


# --- limits -----------------------------------------------------------------------------------------------

def test_answers_are_cut_at_max_bytes(server):
    server.answer("/big", Answer(200, b"x" * 5000))
    server.answer("/hop", redirect("/big"))

    response = http.request("GET", f"{server.url}/hop", allow=["127.0.0.1"], max_bytes=1024)

    assert response.truncated is True and response.body == b"x" * 1024


@pytest.mark.parametrize("headers_too", [False, True])
def test_a_slow_answer_ends_at_the_overall_timeout(server, headers_too):
    server.route("/slow", drip(headers_too))

    with pytest.raises(http.HttpTimeout) as late:
        http.request("GET", f"{server.url}/slow", allow=["127.0.0.1"], timeout=0.5)

    assert late.value.retryable is True and late.value.code == "http_timeout"


def test_the_timeout_covers_every_hop(server):
    for n in range(8):
        server.answer(f"/hop{n}", redirect(f"/hop{n + 1}", delay=0.3))

    with pytest.raises(http.HttpTimeout):
        http.request("GET", f"{server.url}/hop0", allow=["127.0.0.1"], timeout=1.0, max_redirects=10)

    assert 1 <= len(server.requests) < 8
