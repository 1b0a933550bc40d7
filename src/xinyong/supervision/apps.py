from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "xinyong.supervision"
    label = "supervision"
    verbose_name = "分级分类监管"

    def ready(self) -> None:
        # Grading: reference loaders (order 70), demo grades (50) and draws (55),
        # incremental receivers, daily recompute and the workspace navigation.
        from . import demo, demo_draws, loaders, receivers  # noqa: F401
        from .views_grades import register_navigation as register_grade_navigation

        receivers.connect()
        register_grade_navigation()
        # Draws: policies loader (order 71, in loaders.py) and the workspace navigation.
        from .views_draws import register_navigation as register_draw_navigation

        register_draw_navigation()
