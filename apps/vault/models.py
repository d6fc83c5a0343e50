"""A workspace's secrets: only the ciphertext is stored (see ``crypto``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"
MEMBER = "accounts.Member"


class Secret(models.Model):
    """A named credential, readable only by the code that uses it (``services.resolve``)."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    name = models.SlugField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=500, blank=True)
    ciphertext = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rotated_at = models.DateTimeField(null=True, blank=True)
    rotated_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="vault_secret_name_unique")]

    def __str__(self) -> str:
        return self.name
