from django.urls import path

from . import inbound_views as views

urlpatterns = [
    path("endpoints/", views.EndpointListView.as_view(), name="endpoint-list"),
    path("endpoints/<slug:key>/", views.EndpointDetailView.as_view(), name="endpoint-detail"),
    path("endpoints/<slug:key>/rotate-secret/", views.EndpointRotateView.as_view(), name="endpoint-rotate"),
    path("endpoints/<slug:key>/deliveries/", views.EndpointDeliveryListView.as_view(), name="endpoint-deliveries"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery-detail"),
    path("deliveries/<int:pk>/reprocess/", views.DeliveryReprocessView.as_view(), name="delivery-reprocess"),
    path("hooks/in/<str:token>/", views.intake_view, name="endpoint-intake"),
    path("hooks/in/<str:token>", views.intake_view),  # senders that leave the slash off are answered the same
    path("hooks/flows/<str:token>/", views.flow_intake_view, name="flow-webhook"),
    path("hooks/flows/<str:token>", views.flow_intake_view),
]
