from django.urls import include, path

urlpatterns = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.forms.urls")),
    path("", include("apps.audit.urls")),
    path("", include("apps.vault.urls")),
    path("", include("apps.flows.urls")),
    path("", include("apps.connectors.urls")),
]
