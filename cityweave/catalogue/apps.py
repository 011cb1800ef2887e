from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "cityweave.catalogue"
    label = "catalogue"
    verbose_name = "Knowledge hub catalogue"
