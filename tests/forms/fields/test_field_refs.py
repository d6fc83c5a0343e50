"""user, relation, attachment: ids that must belong to the same workspace."""

import pytest

from apps.forms.fields import FieldValueError, WriteContext, field_types
from apps.forms.models import Attachment, Form, Record


def record(form, **data):
    return Record.objects.create(workspace=form.workspace, form=form, form_version=1, data=data)


def attachment(workspace, name="invoice.pdf", content_type="application/pdf"):
    return Attachment.objects.create(
        workspace=workspace,
        file=f"attachments/{name}",
        name=name,
        size=1234,
        content_type=content_type,
        sha256="0" * 64,
    )


class TestUser:
    def test_member_of_the_workspace(self, norm, owner, make, workspace):
        colleague = make.member(workspace, role="member")
        assert norm("user", owner.id) == owner.id
        assert norm("user", str(owner.id)) == owner.id
        assert norm("user", {"id": owner.id}) == owner.id
        assert norm("user", [colleague.id, owner.id, colleague.id], multiple=True) == [
            colleague.id,
            owner.id,
        ]
        assert norm("user", f"{owner.id};{colleague.id}", multiple=True) == [owner.id, colleague.id]

    def test_member_of_another_workspace_is_refused(self, error, make, owner):
        stranger = make.member(make.workspace())
        assert error("user", stranger.id) == {
            "": [f"{stranger.id} is not a member of this workspace"]
        }
        assert error("user", [owner.id, stranger.id], multiple=True) == {
            "[1]": [f"{stranger.id} is not a member of this workspace"]
        }

    def test_bad_ids(self, error, owner):
        assert error("user", "abc") == {"": ["'abc' is not an id"]}
        assert error("user", [owner.id, -1, True], multiple=True) == {
            "[1]": ["'-1' is not an id"],
            "[2]": ["'True' is not an id"],
        }
        assert error("user", [owner.id, owner.id + 1]) == {"": ["only one may be chosen"]}

    def test_filter_me(self, ctx, owner):
        user = field_types.get("user")
        assert user.filter_value("me", {}, ctx) == owner.id
        assert user.filter_value(["me", "7"], {}, ctx) == [owner.id, 7]

    def test_csv_round_trip_with_real_members(self, norm, make, workspace, owner):
        colleague = make.member(workspace)
        user = field_types.get("user")
        field = {"key": "f", "type": "user", "multiple": True}
        text = user.to_csv([owner.id, colleague.id], field)
        assert text == f"{owner.id};{colleague.id}"
        assert norm("user", user.from_csv(text, field), multiple=True) == [owner.id, colleague.id]


class TestRelation:
    def test_records_of_the_target_form(self, norm, another_form):
        products = another_form("products")
        shirt, cap = record(products, name="shirt"), record(products, name="cap")
        assert norm("relation", shirt.id, form="products") == shirt.id
        assert norm("relation", [cap.id, {"id": shirt.id}], form="products", multiple=True) == [
            cap.id,
            shirt.id,
        ]

    def test_other_forms_and_workspaces_are_refused(self, error, another_form, make, form):
        products = another_form("products")
        mine = record(products)
        wrong_form = record(form)
        elsewhere = foreign_product(make)
        assert error("relation", wrong_form.id, form="products") == {
            "": [f"{wrong_form.id} is not a record of the form 'products'"]
        }
        assert error("relation", [mine.id, elsewhere.id], form="products", multiple=True) == {
            "[1]": [f"{elsewhere.id} is not a record of the form 'products'"]
        }

    def test_self_reference(self, norm, form):
        parent = record(form)
        assert norm("relation", parent.id, form="orders") == parent.id

    def test_definition_checks_the_target(self, definition_errors, another_form):
        another_form("products")
        assert (
            definition_errors(
                [{"key": "p", "type": "relation", "form": "products", "multiple": True}]
            )
            == {}
        )
        assert (
            definition_errors([{"key": "p", "type": "relation", "form": "orders"}], key="orders")
            == {}
        )
        assert definition_errors([{"key": "p", "type": "relation", "form": "skus"}]) == {
            "fields[0].form": ["there is no form 'skus' in this workspace"]
        }
        assert (
            definition_errors(
                [{"key": "p", "type": "relation", "form": "skus"}], in_workspace=False
            )
            == {}
        )
        assert definition_errors([{"key": "p", "type": "relation"}]) == {
            "fields[0].form": ["is required: the key of the form to link to"]
        }

    def test_target_in_another_workspace_does_not_count(self, definition_errors, make):
        foreign_product(make)
        assert definition_errors([{"key": "p", "type": "relation", "form": "products"}]) == {
            "fields[0].form": ["there is no form 'products' in this workspace"]
        }

    @pytest.mark.parametrize(
        ("op", "operand", "expected"),
        [
            ("contains", "b", {"x"}),
            ("in", ["a", "c"], {"x", "y"}),
            ("not_in", ["a"], {"y", "z"}),
            ("eq", ["b", "a"], {"x"}),
            ("eq", ["a", "b"], set()),
        ],
    )
    def test_multiple_filters(self, workspace, form, op, operand, expected):
        """'eq' compares the list as stored (in the order given); 'in' means linked to any of them."""
        relation = field_types.get("relation")
        field = {"key": "p", "type": "relation", "form": "products", "multiple": True}
        ids = {"a": 11, "b": 12, "c": 13}
        names = {}
        for name, linked in (("x", [12, 11]), ("y", [13]), ("z", [])):
            names[record(form, p=linked).id] = name
        value = [ids[k] for k in operand] if isinstance(operand, list) else ids[operand]
        q = relation.filter_q("data__p", field, op, relation.filter_value(value, field))
        assert {
            names[i]
            for i in Record.objects.filter(form=form).filter(q).values_list("id", flat=True)
        } == expected


def foreign_product(make):
    """A record of a form also keyed 'products', in another workspace."""
    products = Form.objects.create(
        workspace=make.workspace(), key="products", name="P", definition={}, version=1
    )
    return record(products)


class TestAttachment:
    def test_files_of_the_workspace(self, norm, workspace):
        pdf, photo = attachment(workspace), attachment(workspace, "box.jpg", "image/jpeg")
        assert norm("attachment", [photo.id, pdf.id]) == [photo.id, pdf.id]
        assert norm("attachment", pdf.id) == [pdf.id]
        assert norm("attachment", [photo.id], accept=["image/*"], max_files=1) == [photo.id]

    def test_refusals(self, error, workspace, make):
        pdf, photo = attachment(workspace), attachment(workspace, "box.jpg", "image/jpeg")
        foreign = attachment(make.workspace())
        assert error("attachment", [pdf.id, foreign.id]) == {
            "[1]": [f"file {foreign.id} was not found in this workspace"]
        }
        assert error("attachment", [photo.id, pdf.id], accept=["image/*"]) == {
            "[1]": ["'invoice.pdf' is of type application/pdf; allowed: image/*"]
        }
        assert error("attachment", [photo.id, pdf.id], max_files=1) == {
            "": ["at most 1 files may be attached"]
        }

    def test_to_api(self, workspace):
        pdf = attachment(workspace)
        assert field_types.get("attachment").to_api([pdf.id, 999999], {}) == [
            {"id": pdf.id, "name": "invoice.pdf", "size": 1234, "content_type": "application/pdf"}
        ]

    def test_csv_round_trip_with_real_files(self, norm, workspace):
        files = [attachment(workspace).id, attachment(workspace, "b.png", "image/png").id]
        kind = field_types.get("attachment")
        assert norm("attachment", kind.from_csv(kind.to_csv(files, {}), {})) == files

    def test_options(self, definition_errors):
        good = {
            "key": "files",
            "type": "attachment",
            "max_files": 5,
            "accept": ["image/*", "application/pdf"],
        }
        assert definition_errors([good]) == {}
        assert definition_errors([{**good, "accept": ["pdf"]}]) == {
            "fields[0].accept[0]": [
                "must be a MIME type or pattern such as image/* or application/pdf"
            ]
        }
        assert definition_errors([{**good, "max_files": 0}]) == {
            "fields[0].max_files": ["violates minimum = 1"]
        }
        assert definition_errors([{**good, "unique": True}]) == {
            "fields[0].unique": ["a attachment field cannot be unique"]
        }


def test_context_workspace_decides(make, owner, workspace, form):
    """The same id is valid or not depending only on the writing workspace."""
    other_ws = make.workspace()
    ctx = WriteContext(workspace=other_ws, form=form, member=None)
    with pytest.raises(FieldValueError, match="is not a member of this workspace"):
        field_types.get("user").normalize(owner.id, {"key": "u", "type": "user"}, ctx)
