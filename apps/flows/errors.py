from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, NotFound


class FlowNotFound(NotFound):
    code = "flow_not_found"
    default_message = _("No such flow in this workspace.")


class RunNotFound(NotFound):
    code = "run_not_found"
    default_message = _("No such run in this workspace.")


class FlowKeyTaken(Conflict):
    code = "flow_key_taken"
    default_message = _("Another flow of this workspace already uses this key.")


class RunNotRetryable(Conflict):
    code = "run_not_retryable"
    default_message = _("Only a failed run can be retried.")


class RunNotActive(Conflict):
    code = "run_not_active"
    default_message = _("The run has already ended.")


class FlowInactive(Conflict):
    code = "flow_inactive"
    default_message = _("The flow is disabled or paused.")
