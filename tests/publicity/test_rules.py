from __future__ import annotations

from datetime import date

import pytest

from xinyong.catalog.models import RecordType
from xinyong.publicity import services
from xinyong.publicity.models import PublicityWindow
from xinyong.publicity.rules import add_months

from .helpers import ingest, penalty

pytestmark = pytest.mark.django_db


def window(record) -> PublicityWindow:
    return PublicityWindow.objects.select_related("policy").get(record=record)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 10), 3, date(2026, 6, 10)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # clamped to the shorter month
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 10), 36, date(2029, 3, 10)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_general_penalty_under_gbf_2025_22() -> None:
    w = window(penalty(1, decided="2026-03-10"))
    assert w.policy.code == "GBF2025_22_GENERAL"
    assert w.is_published is True
    # Repair from the day after the 3-month minimum's last day (06-10).
    assert (w.starts_on, w.repair_from, w.ends_on) == (
        date(2026, 3, 10),
        date(2026, 6, 11),
        date(2027, 3, 10),
    )


def test_rule_in_force_on_the_decision_date_527_then_58() -> None:
    before = window(penalty(2, decided="2023-03-01"))
    after = window(penalty(3, decided="2023-06-01"))
    assert before.policy.code == "FGB2019_527_GENERAL"
    assert (before.repair_from, before.ends_on) == (date(2023, 6, 2), date(2024, 3, 1))
    assert after.policy.code == "NDRC58_PENALTY"
    assert (after.repair_from, after.ends_on) == (date(2023, 9, 2), date(2026, 6, 1))


def test_special_equipment_penalty_has_one_year_minimum_under_58() -> None:
    w = window(penalty(4, decided="2024-01-15", CF_WFXW="使用未经定期检验的特种设备"))
    assert w.policy.code == "NDRC58_SPECIAL"
    assert (w.repair_from, w.ends_on) == (date(2025, 1, 16), date(2027, 1, 15))
    # The same fact under the general 58号令 rule would have been repairable after 3 months.
    plain = window(penalty(5, decided="2024-01-15"))
    assert plain.repair_from == date(2024, 4, 16)


def test_warning_alone_under_samr_45_is_not_published() -> None:
    w = window(
        penalty(
            6,
            decided="2026-03-02",
            unit_name="区市场监管局",
            CF_CFLB="警告",
            CF_NR="警告",
            CF_NR_FK="",
        )
    )
    assert w.policy.code == "SAMR45_WARNING"
    assert w.is_published is False
    assert "不予公示" in w.not_published_reason
    assert w.ends_on is None


def test_small_fine_under_samr_45_is_three_months_from_publication() -> None:
    record = penalty(7, decided="2026-03-02", unit_name="区市场监管局")  # 0.2 万元
    w = window(record)
    assert w.policy.code == "SAMR45_MINOR"
    assert w.starts_on == record.reported_on
    assert w.ends_on == add_months(record.reported_on, 3)


def test_several_kinds_take_the_longest_period() -> None:
    record = penalty(
        8,
        decided="2026-03-02",
        unit_name="区市场监管局",
        CF_CFLB="警告；罚款；吊销许可证件",
        CF_NR_FK="0.2",
    )
    w = window(record)
    assert w.policy.code == "SAMR45_OTHER"
    assert w.ends_on == add_months(record.reported_on, 36)
    big_fine = window(penalty(9, decided="2026-03-02", unit_name="区市场监管局", CF_NR_FK="20"))
    assert big_fine.policy.code == "SAMR45_OTHER"


def test_types_without_policy_stay_public_without_end() -> None:
    honour = ingest(
        "区发改委",
        "CXRY",
        [
            {
                "RY_ZTMC": "安阳市北关区某某商贸有限公司",
                "RY_ZTLB": "法人及非法人组织",
                "RY_SHXYM": "91512081MA62K0260E",
                "RY_RYMC": "守合同重信用企业",
                "RY_SYDW": "安阳市北关区人民政府",
                "RY_SYRQ": "2025-05-20",
                "RY_WH": "北政〔2025〕8号",
                "RY_SJLY": "安阳市北关区发展和改革委员会",
            }
        ],
    )[0]
    w = window(honour)
    assert w.is_published is True
    assert w.starts_on == date(2025, 5, 20)
    assert w.ends_on is None and w.policy is None
    assert "第十九条" in w.explanation_text


def test_non_public_type_is_never_published() -> None:
    RecordType.objects.filter(code="XZCF").update(sharing="shared")
    w = window(penalty(10, decided="2026-03-10"))
    assert w.is_published is False
    assert "共享" in w.not_published_reason


def test_batch_computation_is_idempotent_and_refresh_fills_gaps() -> None:
    record = penalty(11, decided="2026-03-10")
    before = window(record)
    services.compute_windows_for_batch(record.batch_id)
    after = window(record)
    assert (after.repair_from, after.ends_on) == (before.repair_from, before.ends_on)
    assert PublicityWindow.objects.filter(record=record).count() == 1
    PublicityWindow.objects.filter(record=record).delete()
    assert services.refresh()["records"] == 1
    assert window(record).ends_on == date(2027, 3, 10)
    assert services.refresh()["records"] == 0


def test_severity_class_chosen_by_the_deciding_unit_sets_the_period() -> None:
    """国办发〔2025〕22号: 轻微 at most 3 months; 一般 3 months to 1 year; 严重 1 to 3 years.
    The class comes from the record's 失信程度 (CF_SXCD); without it, 一般."""
    serious = window(penalty(21, decided="2026-03-10", CF_SXCD="严重"))
    assert serious.policy.code == "GBF2025_22_SERIOUS"
    assert (serious.repair_from, serious.ends_on) == (date(2027, 3, 11), date(2029, 3, 10))
    minor = window(penalty(22, decided="2026-03-10", CF_SXCD="轻微失信"))  # alias
    assert minor.policy.code == "GBF2025_22_MINOR"
    assert (minor.repair_from, minor.ends_on) == (date(2026, 3, 10), date(2026, 6, 10))
    general = window(penalty(23, decided="2026-03-10", CF_SXCD="一般"))
    assert general.policy.code == "GBF2025_22_GENERAL"
    assert (general.repair_from, general.ends_on) == (date(2026, 6, 11), date(2027, 3, 10))
    # Under 527号 (before 2023-05-01) 严重 meant 6 months to 3 years.
    old = window(penalty(24, decided="2023-03-01", CF_SXCD="严重"))
    assert old.policy.code == "FGB2019_527_SERIOUS"
    assert (old.repair_from, old.ends_on) == (date(2023, 9, 2), date(2026, 3, 1))


def test_unknown_severity_class_is_refused_by_row() -> None:
    from xinyong.collection.services import ingest_rows

    from .helpers import org_row, unit

    row = org_row(25, CF_JDRQ="2026-03-10", CF_SXCD="很严重")
    result = ingest_rows(actor=None, unit=unit("区生态环境局"), record_type="XZCF", rows=[row])
    assert result.accepted == 0
    ((row_number, column, code),) = [(e.row, e.column, e.code) for e in result.errors]
    assert (row_number, column, code) == (1, "CF_SXCD", "invalid_enum")


def test_henan_five_year_cap_on_dishonesty_without_a_shorter_rule() -> None:
    """河南条例 art. 19: dishonesty information is disclosed at most 5 years (60 months),
    both when no policy applies and when a policy would keep it longer."""
    RecordType.objects.filter(code="XZCF").update(default_policy=None)
    w = window(penalty(26, decided="2026-03-10"))
    assert w.policy is None
    assert (w.starts_on, w.ends_on) == (date(2026, 3, 10), date(2031, 3, 10))
    assert "最长5年" in w.explanation_text
    from xinyong.catalog.models import PublicityPolicy

    PublicityPolicy.objects.filter(code="GBF2025_22_SERIOUS").update(max_months=72)
    capped = window(penalty(27, decided="2026-03-10", CF_SXCD="严重"))
    assert capped.policy.code == "GBF2025_22_SERIOUS"
    assert capped.ends_on == date(2031, 3, 10)  # not 2032-03-10
    assert "第十九条：失信信息披露期限最长5年" in capped.explanation_text


def test_ndrc_36_classes_from_2026_04_01() -> None:
    """国家发展改革委令第36号《信用修复管理办法》, in force 2026-04-01: 轻微 is in principle
    not published; 一般 3 months to 1 year; 严重 1 to 3 years, from the decision date.
    Without the deciding authority's class, 简易程序, 警告 and 通报批评 are 轻微 and
    吊销许可证件 or 限制从业 严重; a plain fine stays 一般."""
    fine = window(penalty(31, decided="2026-05-11"))
    assert fine.policy.code == "NDRC36_GENERAL"
    assert (fine.repair_from, fine.ends_on) == (date(2026, 8, 12), date(2027, 5, 11))
    assert "国家发展改革委令第36号" in fine.explanation_text

    warning = window(penalty(32, decided="2026-05-11", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""))
    assert warning.policy.code == "NDRC36_MINOR"
    assert warning.is_published is False
    assert (
        warning.not_published_reason == "依据国家发展改革委令第36号，轻微失信信息原则上不予公示。"
    )

    simple = window(penalty(33, decided="2026-05-11", CF_CXLX="简易程序"))  # organisation, 0.2
    assert (simple.policy.code, simple.is_published) == ("NDRC36_MINOR", False)

    revoked = window(
        penalty(34, decided="2026-05-11", CF_CFLB="罚款；吊销许可证件", CF_NR="罚款并吊销")
    )
    assert revoked.policy.code == "NDRC36_SERIOUS"
    assert (revoked.repair_from, revoked.ends_on) == (date(2027, 5, 12), date(2029, 5, 11))

    # The deciding authority's own class wins over the kinds.
    stated = window(
        penalty(35, decided="2026-05-11", CF_CFLB="警告", CF_NR="警告", CF_NR_FK="", CF_SXCD="严重")
    )
    assert stated.policy.code == "NDRC36_SERIOUS"
    # Before 2026-04-01 the kinds do not class anything: a warning is 一般 under 22号.
    before = window(penalty(36, decided="2026-03-31", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""))
    assert before.policy.code == "GBF2025_22_GENERAL"


def test_minor_class_published_when_the_office_sets_three_months(settings) -> None:
    """36号令: a sector authority may publish 轻微 information for at most 3 months — the
    policy is data; the kinds table and its start day are settings."""
    from xinyong.catalog.models import PublicityPolicy

    PublicityPolicy.objects.filter(code="NDRC36_MINOR").update(max_months=3)
    w = window(penalty(37, decided="2026-05-11", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""))
    assert (w.policy.code, w.is_published) == ("NDRC36_MINOR", True)
    assert (w.repair_from, w.ends_on) == (date(2026, 5, 11), date(2026, 8, 11))

    settings.PUBLICITY_KIND_CLASSES = {"警告": "一般"}
    plain = window(penalty(38, decided="2026-05-11", CF_CFLB="警告", CF_NR="警告", CF_NR_FK=""))
    assert plain.policy.code == "NDRC36_GENERAL"


def test_stated_class_wins_over_the_market_sector_rule() -> None:
    """A 市场监管 penalty is classed by 总局令45号's kinds, unless the deciding authority
    stated its 22号 / 36号令 class: then that class's policy applies."""
    kinds = {"CF_CFLB": "罚款；吊销许可证件", "CF_NR": "罚款并吊销营业执照"}
    sector = window(penalty(51, decided="2026-03-02", unit_name="区市场监管局", **kinds))
    assert sector.policy.code == "SAMR45_OTHER"
    stated = window(
        penalty(52, decided="2026-03-02", unit_name="区市场监管局", CF_SXCD="严重", **kinds)
    )
    assert stated.policy.code == "GBF2025_22_SERIOUS"
    assert (stated.repair_from, stated.ends_on) == (date(2027, 3, 3), date(2029, 3, 2))
