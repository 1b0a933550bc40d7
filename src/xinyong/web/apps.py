from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xinyong.web"
    label = "web"
    verbose_name = "门户与工作台"

    def ready(self) -> None:
        from xinyong.orgs.models import Role

        from .access import may_enter_admin
        from .navigation import register_module

        register_module(
            "web.workspace",
            "工作台首页",
            "web:workspace",
            order=0,
            group="工作台",
            description="本人单位与角色、平台概况统计",
        )
        register_module(
            "web.events",
            "操作日志",
            "web:events",
            roles=[Role.CREDIT_ADMIN],
            order=900,
            group="审计与安全",
            description="每一项变更的操作人、时间、对象及变更前后内容，哈希链防篡改",
        )
        register_module(
            "web.reads",
            "个人信息查阅记录",
            "web:reads",
            roles=[Role.CREDIT_ADMIN],
            order=910,
            group="审计与安全",
            description="谁在何时出于何种目的查阅了自然人信息",
        )
        register_module(
            "web.admin",
            "配置管理",
            "admin:index",
            roles=[Role.CREDIT_ADMIN],
            order=990,
            group="系统配置",
            description="单位、用户、工作日历等基础配置",
            check=may_enter_admin,
        )
