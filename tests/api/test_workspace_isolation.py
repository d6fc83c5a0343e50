"""Another workspace's objects answer 404 on every endpoint, never 403 and never data."""

from __future__ import annotations

import pytest

FIELDS = [{"key": "sku", "type": "text"}, {"key": "qty", "type": "integer"}]


@pytest.fixture
def theirs(make):
    workspace = make.workspace("Theirs")
    form = make.form(workspace, FIELDS, key="secret", unique_key=["sku"])
    record = make.record(form, {"sku": "T-1", "qty": 3})
    return form, record


@pytest.fixture
def mine(make, workspace):
    return make.form(workspace, FIELDS, key="mine")


def _calls(form, record):
    base = f"/api/v1/forms/{form.key}/"
    rec = f"{base}records/{record.pk}/"
    return [
        ("get", base, None),
        ("put", base, {"key": form.key, "name": "x", "fields": FIELDS}),
        ("delete", base, None),
        ("get", f"{base}versions/", None),
        ("get", f"{base}records/", None),
        ("post", f"{base}records/", {"sku": "x"}),
        ("post", f"{base}records/upsert/", {"sku": "T-1"}),
        ("post", f"{base}records/bulk/", {"records": [{"sku": "y"}]}),
        ("get", f"{base}records/export/", None),
        ("get", rec, None),
        ("patch", rec, {"qty": 1}),
        ("put", rec, {"sku": "T-1"}),
        ("delete", rec, None),
        ("get", f"{rec}history/", None),
        ("post", f"{rec}adjust/", {"field": "qty", "delta": 1}),
        ("get", f"{base}views/", None),
        ("post", f"{base}views/", {"name": "v"}),
        ("post", "/api/v1/counters/adjust/",
         {"adjustments": [{"form": form.key, "record": record.pk, "field": "qty", "delta": 1}]}),
    ]


CALL_IDS = ["form", "form-put", "form-delete", "versions", "list", "create", "upsert", "bulk", "export",
            "record", "patch", "put", "delete", "history", "adjust", "views", "view-create", "batch-adjust"]


@pytest.mark.parametrize("index", range(len(CALL_IDS)), ids=CALL_IDS)
def test_other_workspace_answers_404(api, theirs, index):
    form, record = theirs
    method, url, body = _calls(form, record)[index]
    response = getattr(api, method)(url, body, format="json") if body is not None else getattr(api, method)(url)
    assert response.status_code == 404, (url, response.status_code, response.content[:200])
    record.refresh_from_db()
    assert record.data == {"sku": "T-1", "qty": 3}


@pytest.mark.parametrize("index", range(len(CALL_IDS)), ids=CALL_IDS)
def test_their_record_id_under_my_form_answers_404(api, theirs, mine, index):
    _, record = theirs
    method, url, body = _calls(mine, record)[index]
    if f"/records/{record.pk}/" not in url and "counters" not in url:
        pytest.skip("not a record-level call")
    response = getattr(api, method)(url, body, format="json") if body is not None else getattr(api, method)(url)
    assert response.status_code == 404


def test_lists_show_only_my_workspace(api, theirs, mine):
    keys = [f["key"] for f in api.get("/api/v1/forms/").json()["results"]]
    assert keys == ["mine"]
    assert api.get("/api/v1/audit/").json()["results"][0]["object"] != "Secret"


def test_same_form_key_in_two_workspaces(api, make, workspace, theirs):
    form = make.form(workspace, FIELDS, key="secret")
    make.record(form, {"sku": "M-1"})
    rows = api.get("/api/v1/forms/secret/records/").json()["results"]
    assert [r["data"]["sku"] for r in rows] == ["M-1"]


def test_a_token_is_bound_to_its_workspace(make, theirs):
    form, _ = theirs
    outsider = make.member(make.workspace("Other"))
    client = make.client(outsider)
    assert client.get(f"/api/v1/forms/{form.key}/").status_code == 404


def test_session_user_with_two_workspaces_picks_by_header(make, theirs):
    from rest_framework.test import APIClient

    form, _ = theirs
    user = make.user()
    make.member(form.workspace, user=user, role="member")
    mine = make.workspace("Mine", owner=user)
    client = APIClient()
    client.force_login(user)
    assert client.get(f"/api/v1/forms/{form.key}/", HTTP_X_WEFT_WORKSPACE=mine.slug).status_code == 404
    assert client.get(f"/api/v1/forms/{form.key}/",
                      HTTP_X_WEFT_WORKSPACE=form.workspace.slug).status_code == 200


def test_a_session_with_no_workspace_chosen_never_writes_into_an_older_workspace(make):
    """An older workspace that added you must not receive what your browser meant for your own."""
    from rest_framework.test import APIClient

    from apps.forms.models import Form

    user = make.user()
    hostile = make.workspace("Hostile")
    make.member(hostile, user=user, role="member")
    make.workspace("Mine", owner=user)
    client = APIClient()
    client.force_login(user)
    response = client.post("/api/v1/forms/", {"key": "orders", "name": "Orders", "fields": FIELDS}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "workspace_not_chosen"
    assert not Form.objects.filter(workspace=hostile).exists()


def test_an_admin_cannot_pull_a_member_of_another_workspace_in(make, theirs, owner):
    form, _ = theirs
    admin = make.client(make.owner(form.workspace))
    response = admin.post("/api/v1/members/", {"username": owner.user.get_username(), "role": "admin"},
                          format="json")
    assert response.status_code == 202 and response.json()["state"] == "pending"
    assert owner.workspace.slug not in response.content.decode()
    assert not owner.user.memberships.filter(workspace=form.workspace).exists()
