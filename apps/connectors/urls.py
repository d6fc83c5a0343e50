from django.urls import include, path

urlpatterns = [
    path("", include("apps.connectors.api.inbound_urls")),
    path("", include("apps.connectors.api.outbound_urls")),
    path("", include("apps.connectors.api.channel_urls")),
    path("", include("apps.connectors.api.erp_urls")),
]
