from django.urls import path

from . import outbound_views as views

urlpatterns = [
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscription-list"),
    path("subscriptions/<slug:key>/", views.SubscriptionDetailView.as_view(), name="subscription-detail"),
    path("subscriptions/<slug:key>/enable/", views.SubscriptionEnableView.as_view(),
         name="subscription-enable"),
    path("subscriptions/<slug:key>/disable/", views.SubscriptionDisableView.as_view(),
         name="subscription-disable"),
    path("subscriptions/<slug:key>/rotate-secret/", views.SubscriptionRotateView.as_view(),
         name="subscription-rotate-secret"),
    path("subscriptions/<slug:key>/test/", views.SubscriptionTestView.as_view(), name="subscription-test"),
    path("subscriptions/<slug:key>/messages/", views.SubscriptionMessagesView.as_view(),
         name="subscription-messages"),
    path("messages/<str:message_id>/redeliver/", views.MessageRedeliverView.as_view(), name="message-redeliver"),
]
