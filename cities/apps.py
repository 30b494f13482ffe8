from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cities import versioning


class CitiesConfig(AppConfig):
    name = "cities"
    verbose_name = _("Regions")

    def ready(self) -> None:
        # Every app's models are loaded by now: each of their writes raises the data version.
        versioning.connect()
