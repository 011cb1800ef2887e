from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cityweave.web"
    label = "web"
    verbose_name = "CityWeave pages"
