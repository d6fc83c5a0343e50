from django.urls import path

from . import channel_views as views

urlpatterns = [
    path("channel-adapters/", views.AdapterListView.as_view(), name="channel-adapters"),
    path("channel-accounts/", views.AccountListView.as_view(), name="channel-account-list"),
    path("channel-accounts/<slug:key>/", views.AccountDetailView.as_view(), name="channel-account-detail"),
    path("channel-accounts/<slug:key>/pull/", views.AccountPullView.as_view(), name="channel-account-pull"),
    path("channel-accounts/<slug:key>/stock-pushes/", views.AccountPushListView.as_view(),
         name="channel-account-pushes"),
]
