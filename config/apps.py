from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site itself: its plumbing views and the operators' commands (backup, restore)."""

    name = "config"
    verbose_name = _("Site")
