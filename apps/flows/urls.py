from django.urls import path

from .api import views

urlpatterns = [
    path("flows/", views.FlowListView.as_view(), name="flow-list"),
    path("flows/validate/", views.FlowValidateView.as_view(), name="flow-validate"),
    path("flows/<slug:key>/", views.FlowDetailView.as_view(), name="flow-detail"),
    path("flows/<slug:key>/versions/", views.FlowVersionListView.as_view(), name="flow-versions"),
    path("flows/<slug:key>/enable/", views.FlowActionView.as_view(action="enable"), name="flow-enable"),
    path("flows/<slug:key>/disable/", views.FlowActionView.as_view(action="disable"), name="flow-disable"),
    path("flows/<slug:key>/resume/", views.FlowActionView.as_view(action="resume"), name="flow-resume"),
    path("flows/<slug:key>/run/", views.FlowRunView.as_view(), name="flow-run"),
    path("runs/", views.RunListView.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/cancel/", views.RunCancelView.as_view(), name="run-cancel"),
    path("runs/<int:pk>/retry/", views.RunRetryView.as_view(), name="run-retry"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
]
