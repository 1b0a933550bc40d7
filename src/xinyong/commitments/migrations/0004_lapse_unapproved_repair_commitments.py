"""信用修复型 commitments of repairs that already ended unapproved (不予修复, or 终止办理
with the record's withdrawal) lapse as services.lapse_repair_commitments now makes them
lapse: 核查期限 cleared, so they leave 到期待核查, and 核查依据/证据说明 says why. Those
already found kept or broken, or already lapsed, are left alone. `updated_at` is not
touched and nothing is announced: the city platform keeps them 待核查, as the service
leaves them."""

from django.db import migrations
from django.db.models import Q

# Frozen copies: a migration must not change when the code does.
REPAIR = "repair"
PENDING = "pending"
ENDED = {"refused": "不予修复", "terminated": "终止办理"}
NOTE = "信用修复申请于 {day} {outcome}，本承诺随之失效，无需核查履行情况。"
CHUNK = 900  # ids per statement: under SQLite's historic 999-parameter limit


def backfill(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    by_note: dict = {}
    rows = (
        Commitment.objects.filter(
            kind=REPAIR, status=PENDING, repair_application__status__in=list(ENDED)
        )
        .filter(Q(verify_due__isnull=False) | Q(evidence=""))
        .values_list(
            "pk", "repair_application__status", "repair_application__decided_on"
        )
    )
    for pk, status, decided_on in rows:
        day = f"{decided_on:%Y-%m-%d}" if decided_on else ""
        by_note.setdefault(NOTE.format(day=day, outcome=ENDED[status]), []).append(pk)
    for note, pks in by_note.items():
        for i in range(0, len(pks), CHUNK):
            Commitment.objects.filter(pk__in=pks[i : i + CHUNK]).update(
                verify_due=None, evidence=note
            )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0003_repair_commitment_check_day"),
        ("rights", "0003_repair_terminated"),
    ]

    # Backwards: nothing to undo that matters (the code lapses them the same way).
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
