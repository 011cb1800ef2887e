from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "cityweave.exchange"
    label = "exchange"
    verbose_name = "Exchange"
