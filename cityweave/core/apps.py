from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cityweave.core"
    label = "core"
    verbose_name = "CityWeave core"

    def ready(self) -> None:
        from cityweave.core import checks  # noqa: F401  (registers the system checks)
