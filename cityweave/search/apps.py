from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "cityweave.search"
    label = "search"
    verbose_name = "CityWeave search"
