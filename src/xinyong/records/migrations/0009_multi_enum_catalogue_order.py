"""Multi-value enumerations (处罚类别 …) are stored in the catalogue's order from now on
(collection.pipeline.validate.multi_enum_parser), so re-sending a record with its values in
another order is a duplicate, not a correction. Records stored before keep the order they
were sent in; this puts their values in the catalogue's order and takes the content hash
again over the payload text the pipeline now gives, so their next re-send compares equal.
Their earlier versions (RecordVersion) are history and keep their hashes."""

import hashlib

from django.db import migrations

CHUNK = 2000


def catalogue_order(apps, schema_editor):
    from xinyong.catalog.fieldspec import FieldType, parse_fields
    from xinyong.collection.pipeline.validate import stored_payload_texts

    RecordType = apps.get_model("catalog", "RecordType")
    CreditRecord = apps.get_model("records", "CreditRecord")
    for record_type in RecordType.objects.all():
        fields = parse_fields(record_type.fields, check_art45=False)
        multi = [fs for fs in fields if fs.type == FieldType.MULTI_ENUM]
        if not multi:
            continue
        records = CreditRecord.objects.filter(record_type_id=record_type.pk).only("id", "payload")
        last = 0
        while True:
            chunk = list(records.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not chunk:
                break
            last = chunk[-1].pk
            changed = []
            for record in chunk:
                payload = record.payload or {}
                reordered = False
                for fs in multi:
                    values = payload.get(fs.code)
                    if not isinstance(values, list) or not set(values) <= set(fs.enum):
                        continue
                    ordered = sorted(values, key=fs.enum.index)
                    if ordered != values:
                        payload[fs.code] = ordered
                        reordered = True
                if reordered:
                    changed.append(record)
            if not changed:
                continue
            texts = stored_payload_texts(fields, [r.payload for r in changed])
            for record, text in zip(changed, texts, strict=True):
                record.content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
            CreditRecord.objects.bulk_update(changed, ["payload", "content_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("records", "0008_chinese_field_names"),
    ]

    operations = [migrations.RunPython(catalogue_order, migrations.RunPython.noop)]
