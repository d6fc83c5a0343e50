"""The OpenAPI components of the form, record, counter, saved view and CSV endpoints.

Documentation only: the views parse and answer plain JSON themselves. A record's
data depends on its form, so it is an object of field values; the fixed keys
around it are typed.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.core.schemas_api import (
    LabelField,
    NumberField,
    NumberOrNullField,
    OpenObjectSerializer,
    page,
    values,
    when,
)


class FormFieldSerializer(OpenObjectSerializer):
    """One field of a form; the other keys depend on its `type` (see the field types' reference)."""

    extra_values = {"description": "an option of the field's type (e.g. `required`, `options`, `min`)"}

    key = serializers.CharField(help_text="lower-case letters, digits and '_', starting with a letter")
    type = serializers.CharField(help_text="a field type: text, integer, decimal, select, counter, subtable...")
    label = LabelField(required=False)


class FormDefinitionSerializer(serializers.Serializer):
    """A form definition, validated fully against `platform/schemas/form.schema.json` and each field type's rules."""

    key = serializers.CharField(help_text="lower-case letters, digits and '_', starting with a letter; cannot change")
    name = LabelField()
    description = LabelField(required=False)
    fields = FormFieldSerializer(many=True)
    unique_key = serializers.ListField(child=serializers.CharField(), required=False,
                                       help_text="the field keys that identify a record (dedupe and upsert)")
    title_field = serializers.CharField(required=False)
    layout = serializers.ListField(child=serializers.JSONField(), required=False)
    rules = serializers.ListField(child=serializers.JSONField(), required=False)


class FormSerializer(serializers.Serializer):
    """A form and its current definition."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    app = serializers.CharField(allow_null=True, help_text="the key of the app the form belongs to")
    version = serializers.IntegerField(help_text="raised by each saved definition")
    definition = FormDefinitionSerializer()
    created_at = when()
    updated_at = when()


class FormVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    definition = FormDefinitionSerializer()
    created_by = serializers.IntegerField(allow_null=True, help_text="member id")
    created_at = when()


FIELD_VALUES = ("the record's values by field key; which keys and value types depends on the form "
                "(decimals as text, dates as ISO 8601)")


class RecordSerializer(serializers.Serializer):
    """A record: its form's field values in `data`, with the keys every record has."""

    id = serializers.IntegerField()
    form = serializers.CharField(help_text="the form's key")
    version = serializers.IntegerField(help_text="raised by each change; send it back to detect concurrent edits")
    form_version = serializers.IntegerField(help_text="the form version the record was last written under")
    data = values(FIELD_VALUES)
    created_at = when(allow_null=True)
    updated_at = when(allow_null=True)
    created_by = serializers.IntegerField(allow_null=True, help_text="member id")
    updated_by = serializers.IntegerField(allow_null=True, help_text="member id")


class RecordValuesSerializer(OpenObjectSerializer):
    """A record's field values by field key (which keys depends on the form); no field is named `version`."""

    extra_values = {"description": "a field's value, as its type takes it"}

    version = serializers.IntegerField(required=False, help_text="on a change: the version you read (or send "
                                                                 "If-Match); a stale one answers 409")


class UpsertedRecordSerializer(RecordSerializer):
    created = serializers.BooleanField(help_text="true: the record was created (201); false: updated (200)")


class BulkWriteSerializer(serializers.Serializer):
    """Many records in one transaction: all are written, or none and the errors name each row."""

    records = serializers.ListField(child=values(FIELD_VALUES), help_text="at most WEFT MAX_BULK_ROWS")
    upsert = serializers.BooleanField(required=False, default=False,
                                      help_text="update the record with the same unique key instead of refusing")


class BulkRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    created = serializers.BooleanField()


class BulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    results = BulkRowSerializer(many=True)


class RecordHistorySerializer(serializers.Serializer):
    action = serializers.CharField(help_text="created, updated or deleted")
    version = serializers.IntegerField()
    before = values("the values before the change", allow_null=True)
    after = values("the values after the change", allow_null=True)
    changed = serializers.ListField(child=serializers.CharField(), help_text="the field keys that changed")
    actor = serializers.IntegerField(allow_null=True, help_text="member id")
    at = when()


class AdjustmentSerializer(serializers.Serializer):
    """A guarded change of a counter field: applied only if the result stays within `floor` and `ceiling`."""

    field = serializers.CharField(help_text="the counter field's key")
    delta = NumberField()
    key = serializers.CharField(required=False, max_length=200,
                                help_text="idempotency key: an adjustment with a key already applied is not "
                                          "applied again (the Idempotency-Key header is used when absent)")
    floor = NumberOrNullField(required=False)
    ceiling = NumberOrNullField(required=False)
    reason = serializers.CharField(required=False)


class BatchAdjustmentSerializer(AdjustmentSerializer):
    form = serializers.CharField(help_text="the form's key")
    record = serializers.IntegerField(help_text="the record's id")


class BatchAdjustSerializer(serializers.Serializer):
    adjustments = BatchAdjustmentSerializer(many=True)


class AdjustResultSerializer(serializers.Serializer):
    """What an adjustment did: `applied` false means the guard refused it and nothing changed."""

    record = serializers.IntegerField()
    field = serializers.CharField()
    applied = serializers.BooleanField()
    replayed = serializers.BooleanField(help_text="its key had been applied before: the earlier outcome")
    value = NumberOrNullField(help_text="the counter's value after the adjustment")
    delta = NumberField()
    entry = serializers.IntegerField(allow_null=True, help_text="the ledger entry's id")


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    delta = NumberField()
    value_after = NumberField()
    key = serializers.CharField(allow_null=True, help_text="the adjustment's idempotency key")
    reason = serializers.CharField(allow_blank=True)
    actor = serializers.IntegerField(allow_null=True, help_text="member id")
    at = when()


class SavedViewInputSerializer(serializers.Serializer):
    """A named listing of a form's records: filters, sort and columns."""

    name = serializers.CharField(max_length=200)
    filters = serializers.ListField(child=serializers.JSONField(), required=False,
                                    help_text="conditions as in a flow's record query")
    sort = serializers.ListField(child=serializers.CharField(), required=False, max_length=1,
                                 help_text="at most one field key, '-' for descending")
    columns = serializers.ListField(child=serializers.CharField(), required=False, help_text="field keys")


class SavedViewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    form = serializers.CharField()
    name = serializers.CharField()
    filters = serializers.ListField(child=serializers.JSONField())
    sort = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    created_by = serializers.IntegerField(allow_null=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="at most 25 MB")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField(allow_blank=True)


class ImportResultSerializer(serializers.Serializer):
    """What an import did (or, with `dry_run`, would do); a row with an error writes nothing at all."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rows = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    columns = serializers.DictField(child=serializers.CharField(), help_text="CSV column → field key")
    ignored_columns = serializers.ListField(child=serializers.CharField())


IMPORT_REQUEST = {
    "multipart/form-data": {"type": "object", "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"},
                                           "dry_run": {"type": "boolean"}, "mode": {"type": "string"},
                                           "mapping": {"type": "string"}, "delimiter": {"type": "string"}}},
    "text/csv": {"type": "string", "description": "the CSV itself; options as query parameters"},
}
CSV_ANSWER = {"type": "string", "format": "binary", "description": "UTF-8 CSV with a byte-order mark"}

FORM_PAGE = page("FormList", FormSerializer(many=True))
FORM_VERSION_PAGE = page("FormVersionList", FormVersionSerializer(many=True))
RECORD_PAGE = page("RecordList", RecordSerializer(many=True), cursor="next_cursor")
HISTORY_PAGE = page("RecordHistoryList", RecordHistorySerializer(many=True))
LEDGER_PAGE = page("CounterLedger", LedgerEntrySerializer(many=True))
ADJUST_RESULTS = page("AdjustResultList", AdjustResultSerializer(many=True))
SAVED_VIEW_PAGE = page("SavedViewList", SavedViewSerializer(many=True))
