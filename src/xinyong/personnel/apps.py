from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "xinyong.personnel"
    label = "personnel"
    verbose_name = "人员信用档案"
