from django.apps import AppConfig


class CitiesConfig(AppConfig):
    name = "cityweave.cities"
    label = "cities"
    verbose_name = "Cities"
