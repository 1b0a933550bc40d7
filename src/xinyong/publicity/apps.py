from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "xinyong.publicity"
    label = "publicity"
    verbose_name = "信用信息公示"

    def ready(self) -> None:
        from xinyong.core import jobs
        from xinyong.records import signals

        from . import receivers

        signals.batch_stored.connect(
            receivers.on_batch_stored, dispatch_uid="publicity.batch_stored"
        )
        signals.record_changed.connect(
            receivers.on_record_changed, dispatch_uid="publicity.record_changed"
        )
        jobs.register_daily_job("publicity.expire", _daily_expire, order=10)


def _daily_expire() -> str:
    from .services import expire

    summary = expire()
    return f"公示期满处理：{summary['on']} 结束公示 {summary['expired']} 条"
