from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "xinyong.benefits"
    label = "benefits"
    verbose_name = "信易+"
