from django.apps import AppConfig


class ClimateConfig(AppConfig):
    name = "cityweave.climate"
    label = "climate"
    verbose_name = "Climate"
