from django.urls import path

from .erp_views import JournalExportView, JournalLayoutListView

urlpatterns = [
    path("forms/<slug:key>/export/journal/", JournalExportView.as_view(), name="journal-export"),
    path("exports/journal-layouts/", JournalLayoutListView.as_view(), name="journal-layouts"),
]
