from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.core.schemas_api import answers
from apps.core.views import WeftAPIView

from . import schemas
from .models import AuditEntry


class AuditListView(WeftAPIView):
    # accounts' Role.BUILDER, by its value: audit sits below accounts and imports none of it.
    required_role = "builder"

    @extend_schema(parameters=[OpenApiParameter("object_type", str, description="e.g. form, flow, endpoint")],
                   responses=answers({200: schemas.AUDIT_PAGE}, 403))
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
