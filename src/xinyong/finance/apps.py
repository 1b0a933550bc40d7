from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "xinyong.finance"
    label = "finance"
    verbose_name = "信易贷"
