from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.views import WeftAPIView

from .models import AuditEntry


class AuditListView(WeftAPIView):
    required_role = Role.BUILDER

    def get(self, request):
        entries = AuditEntry.objects.filter(workspace=request.workspace)
        object_type = request.query_params.get("object_type")
        if object_type:
            entries = entries.filter(object_type=object_type)
        return Response({"results": [
            {"id": e.pk, "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
             "object": e.object_repr, "actor": e.actor_id, "diff": e.diff, "at": e.created_at.isoformat()}
            for e in entries.order_by("-id")[:200]
        ]})
