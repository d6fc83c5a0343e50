"""Forms: definitions, the field-type registry, records, counters, saved views, CSV import and export.

The public face. Other apps and ``bench/`` import only these modules; everything
else (``validation``, ``query``, ``schema``, ``definitions``, the field modules, the
API) is internal and may change without notice.

- ``apps.forms.services`` — the use cases that write, each one transaction with
  its history, outbox events and audit: ``services.forms`` (create, update, delete
  a form; ``label_text``), ``services.records`` (create, update, upsert, delete,
  bulk write), ``services.counters`` (guarded, idempotent adjustments; the ledger;
  ``counter_value``), ``services.csv_import`` and ``services.csv_export`` (CSV in and
  out; ``escape_cell`` for any spreadsheet a person opens), ``services.events``
  (``append_event``: an outbox event that reports no record change) and
  ``services.definitions_io`` (a definition exported with keys for ids, and
  imported into another workspace).
- ``apps.forms.selectors`` — the reads: ``get_form``, ``forms_of``, ``record_of``,
  ``counters_of``, ``active_fields``, ``field_type_of``, ``saved_view``,
  ``filtered_records`` (the one selection of records by saved view, filters, search
  and sort, as a ``RecordListing``), ``workspace_zone``, and for other definition
  languages ``LABEL``, ``json_path``, ``schema_message``, ``ALL_OPS``,
  ``META_COLUMNS``, ``Condition``.
- ``apps.forms.conversion`` — record data as JSON with one Decimal rule:
  ``json_value``, ``decimal_text``, ``record_data``, ``counter_json``, ``from_units``;
  ``typed_data`` (decimals as Decimal, for expressions); ``to_decimal``,
  ``quantize``, ``to_date`` (reading stored values the fields' way).
- ``apps.forms.changes`` — what a record event means: ``Change``, ``EVENT_NAMES``,
  ``record_snapshot``, ``line_changes``, ``typed``.
- ``apps.forms.fields`` — the field-type registry ``field_types`` and ``FieldType``,
  ``FieldValueError``, ``WriteContext``, ``DefinitionContext``, ``TransferContext``.
- ``apps.forms.hooks`` — the before-save extension point.
- ``apps.forms.models`` — for foreign keys and plain reads of rows.
- ``apps.forms.errors`` — the error codes forms answers with.
"""
