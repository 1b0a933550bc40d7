from datetime import date

from django.db import migrations
from django.utils import timezone

# Frozen copies of the services' texts and codes: a migration must not change when the
# code does.
RESOLVED = "resolved"
OFFICE_LIFT = "integrity.alert_resolve"
ALERT_TARGET = "integrity.Alert"
REVOKED = "revoked"


def _day_of_note_line(line: str) -> date | None:
    # set_arrears_status appends "YYYY-MM-DD 说明" to the case's note.
    try:
        return date.fromisoformat(line[:10])
    except ValueError:
        return None


def _gone_after_office_lift(apps, key: str) -> date | None:
    """The day the cause of an alert the office lifted went away afterwards, where the
    cause can come back under the same key: an arrears case found not to be arrears
    (reopened later) and a unit back above the evaluation line (below it in a later
    run). Before 0002 close_alert skipped lifted alerts, so only these records keep the
    day."""
    kind, _, rest = key.partition(":")
    rest = rest.split("@", 1)[0]
    if kind == "arrears" and rest.isdigit():
        ArrearsCase = apps.get_model("integrity", "ArrearsCase")
        case = ArrearsCase.objects.filter(pk=int(rest), status=REVOKED).first()
        if case is None:
            return None
        # A case becomes 核实不属于拖欠 only through set_arrears_status, whose line is last.
        lines = case.note.strip().splitlines()
        day = _day_of_note_line(lines[-1]) if lines else None
        return day if day is not None else timezone.localtime(case.updated_at).date()
    if kind == "evaluation":
        year, _, unit_id = rest.partition(":")
        if not (year.isdigit() and unit_id.isdigit()):
            return None
        EvaluationResult = apps.get_model("integrity", "EvaluationResult")
        result = EvaluationResult.objects.filter(
            system__year=int(year), unit_id=int(unit_id), warning=False
        ).first()
        return result.as_of if result is not None else None
    return None


def backfill(apps, schema_editor):
    """Alerts lifted before 0002 have no cause_gone_on, so a returning cause never raised
    them again (services.ensure_alert). Lifted automatically (close_alert, no event of
    its own): the cause went away on the resolution day. Lifted by the office (an
    integrity.alert_resolve event): empty while the cause lasts, as close_alert leaves it
    now."""
    Alert = apps.get_model("integrity", "Alert")
    Event = apps.get_model("core", "Event")
    lifted_by_office = set(
        Event.objects.filter(action=OFFICE_LIFT, target_type=ALERT_TARGET).values_list(
            "target_id", flat=True
        )
    )
    pending = Alert.objects.filter(status=RESOLVED, cause_gone_on__isnull=True)
    for alert in pending.order_by("id").iterator():
        if str(alert.pk) in lifted_by_office:
            day = _gone_after_office_lift(apps, alert.key)
        else:
            day = alert.resolved_on
        if day is not None:
            # update(), not save(): the alert itself did not change today (updated_at).
            Alert.objects.filter(pk=alert.pk).update(cause_gone_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("integrity", "0002_alert_cause_gone_on"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
