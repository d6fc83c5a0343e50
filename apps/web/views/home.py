"""The home page: what needs the member now, then the workspace's forms."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apps.forms import selectors as forms

from .. import attention
from ..pages import member_page, page


@member_page()
def home(request: HttpRequest) -> HttpResponse:
    member = request.member
    return page(request, "web/home.html", {
        "failed_runs": attention.failed_runs(member),
        "failed_deliveries": attention.failed_deliveries(member),
        "channel_errors": attention.channels_with_errors(member),
        "forms": list(forms.forms_of(member.workspace)),
    })
