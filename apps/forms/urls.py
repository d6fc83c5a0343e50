from django.urls import path

from .api import counters, csv_views, views, views_saved

record = "forms/<slug:key>/records/<str:pk>/"

urlpatterns = [
    path("forms/", views.FormListView.as_view(), name="form-list"),
    path("forms/<slug:key>/", views.FormDetailView.as_view(), name="form-detail"),
    path("forms/<slug:key>/versions/", views.FormVersionListView.as_view(), name="form-versions"),
    path("forms/<slug:key>/records/", views.RecordListView.as_view(), name="record-list"),
    path("forms/<slug:key>/records/upsert/", views.RecordUpsertView.as_view(), name="record-upsert"),
    path("forms/<slug:key>/records/bulk/", views.RecordBulkView.as_view(), name="record-bulk"),
    path("forms/<slug:key>/records/import/", csv_views.RecordImportView.as_view(), name="record-import"),
    path("forms/<slug:key>/records/export/", csv_views.RecordExportView.as_view(), name="record-export"),
    path(record, views.RecordDetailView.as_view(), name="record-detail"),
    path(f"{record}history/", views.RecordHistoryView.as_view(), name="record-history"),
    path(f"{record}adjust/", counters.CounterAdjustView.as_view(), name="record-adjust"),
    path(f"{record}counters/<slug:field>/ledger/", counters.CounterLedgerView.as_view(), name="counter-ledger"),
    path("counters/adjust/", counters.BatchAdjustView.as_view(), name="counter-batch-adjust"),
    path("forms/<slug:key>/views/", views_saved.SavedViewListView.as_view(), name="view-list"),
    path("forms/<slug:key>/views/<int:pk>/", views_saved.SavedViewDetailView.as_view(), name="view-detail"),
    path("attachments/", views_saved.AttachmentUploadView.as_view(), name="attachment-upload"),
]
