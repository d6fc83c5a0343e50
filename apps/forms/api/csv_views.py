"""CSV import and export endpoints."""

from apps.core.views import WeftAPIView


class RecordImportView(WeftAPIView):
    pass


class RecordExportView(WeftAPIView):
    pass
