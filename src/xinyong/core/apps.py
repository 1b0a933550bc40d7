from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinyong.core"
    label = "core"
    verbose_name = "平台基础"
