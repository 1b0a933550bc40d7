from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "xinyong.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from xinyong.core import jobs

        from . import demo, outbox  # noqa: F401  (demo loader; outbox receivers)
        from .inbound import run_import_job
        from .services import run_send_job
        from .views import register_navigation

        outbox.connect()
        # Pushing runs every minute by default and importing every five (conf.py): the
        # periods are read when the scheduler starts; a changed setting needs a restart.
        config = _config_or_defaults()
        jobs.register_interval_job("exchange.send", run_send_job, every_seconds=config[0], order=10)
        jobs.register_interval_job(
            "exchange.import", run_import_job, every_seconds=config[1], order=20
        )
        register_navigation()


def _config_or_defaults() -> tuple[float, float]:
    from xinyong.core.errors import DomainError

    from .conf import get_config

    try:
        config = get_config()
    except DomainError:
        # A bad setting must not stop the whole platform from starting; the send job
        # reports the setting's error in Chinese when it runs.
        return 60.0, 300.0
    return config.send_every, config.import_every
