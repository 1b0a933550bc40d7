from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "xinyong.integrity"
    label = "integrity"
    verbose_name = "政务诚信"
