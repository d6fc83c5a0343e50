"""Channel account credentials: masked by the adapter's declaration, kept in the vault, and sent
only where they were entered for."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from apps.accounts.services import set_http_allow_list
from apps.connectors.adapters import validate_adapter
from apps.connectors.adapters.errors import AdapterError
from apps.connectors.channels.accounts import get_account
from apps.connectors.channels.stock import note_push, push_due
from apps.vault import services as vault
from apps.vault.selectors import secret_names

SESSION, APP_SECRET = "MARKER-TAOBAO-SESSION", "MARKER-TAOBAO-APP-SECRET"
TAOBAO = {"app_key": "12345", "app_secret": APP_SECRET, "session": SESSION}


@pytest.fixture
def taobao(api, workspace, owner, shop):
    set_http_allow_list(workspace, ["127.0.0.1"], member=owner)
    response = api.post("/api/v1/channel-accounts/", {
        "key": "tmall", "adapter": "taobao", "base_url": shop.url, "credentials": TAOBAO}, format="json")
    assert response.status_code == 201, response.json()
    return response


def test_taobaos_session_is_not_shown_to_anyone(taobao, api, member_api):
    shown = api.get("/api/v1/channel-accounts/tmall/").json()["credentials"]
    assert shown["app_key"] == "12345"
    assert shown["session"] == {"secret": "channel-tmall-session"}
    assert shown["app_secret"] == {"secret": "channel-tmall-app_secret"}
    assert SESSION not in taobao.content.decode()
    assert member_api.get("/api/v1/channel-accounts/tmall/").status_code == 403  # builders' business


def test_secret_credentials_are_stored_in_the_vault_not_on_the_account(taobao, workspace):
    account = get_account(workspace, "tmall")

    assert SESSION not in str(account.credentials) and APP_SECRET not in str(account.credentials)
    assert vault.resolve(workspace, "channel-tmall-session") == SESSION


def test_a_stock_push_sends_the_resolved_credentials(taobao, workspace, shop):
    note_push(get_account(workspace, "tmall"), "MUG-01", 4, {"num_iid": "100"})
    assert push_due(now=timezone.now() + timedelta(seconds=10)) == 1

    form = parse_qs(shop.requests[0]["body"].decode())
    assert form["session"] == [SESSION] and form["app_key"] == ["12345"]


def test_the_masked_value_sent_back_keeps_what_is_stored(taobao, api, workspace):
    shown = api.get("/api/v1/channel-accounts/tmall/").json()
    response = api.put("/api/v1/channel-accounts/tmall/", {"name": "Flagship", "credentials": shown["credentials"]},
                       format="json")

    assert response.status_code == 200, response.json()
    assert vault.resolve(workspace, "channel-tmall-session") == SESSION


def test_moving_the_base_url_without_entering_the_credentials_again_is_refused(taobao, api, workspace):
    response = api.put("/api/v1/channel-accounts/tmall/", {"base_url": "https://collector.example.net"},
                       format="json")

    assert response.status_code == 400
    assert "credentials.app_secret" in response.json()["errors"]["base_url"][0]
    assert get_account(workspace, "tmall").base_url != "https://collector.example.net"


def test_sending_the_stored_reference_back_does_not_count_as_entering_it(taobao, api):
    shown = api.get("/api/v1/channel-accounts/tmall/").json()["credentials"]
    response = api.put("/api/v1/channel-accounts/tmall/", {
        "base_url": "https://collector.example.net", "credentials": shown}, format="json")

    assert response.status_code == 400 and "base_url" in response.json()["errors"]


def test_a_base_url_outside_the_adapters_hosts_needs_the_values_typed_in(taobao, api, workspace):
    vault.create_secret(workspace, "other-session", "x" * 20)
    by_reference = api.put("/api/v1/channel-accounts/tmall/", {
        "base_url": "https://collector.example.net",
        "credentials": {"app_key": "1", "app_secret": {"secret": "other-session"},
                        "session": {"secret": "other-session"}}}, format="json")
    typed = api.put("/api/v1/channel-accounts/tmall/", {
        "base_url": "https://collector.example.net", "credentials": {**TAOBAO, "session": "new-session"}},
        format="json")
    on_its_host = api.put("/api/v1/channel-accounts/tmall/", {
        "base_url": "https://gw.api.taobao.com", "credentials": {**TAOBAO, "session": "newer"}}, format="json")

    assert by_reference.status_code == 400 and "hosts" not in by_reference.json()["errors"]
    assert "not a host" in by_reference.json()["errors"]["base_url"][0]
    assert typed.status_code == 200, typed.json()
    assert on_its_host.status_code == 200, on_its_host.json()


def test_a_reference_to_a_missing_secret_is_refused_by_field(api):
    response = api.post("/api/v1/channel-accounts/", {
        "key": "jd", "adapter": "jd", "credentials": {"access_token": {"secret": "nope"}}}, format="json")

    assert response.status_code == 400 and "credentials.access_token" in response.json()["errors"]


def test_every_builtin_adapter_declares_the_credentials_it_reads():
    from apps.connectors.adapters import all_adapters

    for doc in all_adapters():
        assert doc["credentials"], doc["key"]
    doc = all_adapters()[0]
    doc["credentials"] = {}
    with pytest.raises(AdapterError) as caught:
        validate_adapter(doc)
    assert "credentials" in caught.value.errors


def test_deleting_an_account_deletes_the_secrets_it_stored(taobao, api, workspace):
    assert api.delete("/api/v1/channel-accounts/tmall/").status_code == 204

    assert secret_names(workspace) == set()


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://north.myshopify.com/admin", True), ("https://myshopify.com", False),
    ("https://north.myshopify.com.evil.net", False), ("https://evilmyshopify.com", False)])
def test_declared_hosts_allow_sub_domains_only_where_they_say_so(url, allowed):
    from apps.connectors.adapters import get_adapter
    from apps.connectors.adapters.credentials import host_allowed

    assert host_allowed(get_adapter("shopify"), url) is allowed
