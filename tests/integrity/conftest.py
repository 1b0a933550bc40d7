from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from xinyong.integrity import services
from xinyong.orgs.models import Role

from .helpers import BZZ, BZZ_CODE, SCJG, SCJG_CODE, link_organ, list_sxbzxr, make_user, organ


@pytest.fixture
def people(db):
    """One account per role: the credit office, a leader, staff of two units, the
    organisation department and a bank."""
    return {
        "admin": make_user("p_admin", Role.CREDIT_ADMIN, "区发改委"),
        "leader": make_user("p_leader", Role.LEADER),
        "scj": make_user("p_scj", Role.REPORTER, SCJG),
        "bzz": make_user("p_bzz", Role.REVIEWER, BZZ),
        "zzb": make_user("p_zzb", Role.ORG_DEPT, "区委组织部"),
        "bank": make_user("p_bank", Role.BANK, organisation="中国银行安阳北关支行"),
    }


@pytest.fixture
def world(people):
    """柏庄镇 listed as 失信被执行人 (alert + case), an arrears case of 区市场监管局 and a
    published service commitment with a complaint from a person."""
    bzz = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    scj = link_organ(SCJG, SCJG_CODE, "安阳市北关区市场监督管理局")
    entry = list_sxbzxr(bzz.subject, on=date(2026, 10, 12))
    arrears = services.register_arrears(
        actor=None,
        body=organ(SCJG),
        creditor_name="安阳市鑫源食品有限公司",
        creditor_kind="sme",
        project="食堂食材采购",
        amount_wan="8",
        due_on=date(2026, 2, 28),
        registered_on=date(2026, 4, 1),
    )
    commitment = services.record_commitment(
        actor=None,
        body=scj,
        kind="service",
        title="企业开办一日办结",
        content="材料齐全一日办结",
        made_on=date(2026, 1, 5),
        published=True,
    )
    complaint = services.file_complaint(
        actor=None,
        commitment=commitment,
        received_on=date(2026, 3, 1),
        complainant="张建国",
        phone="13812345678",
        content="等了三天",
    )
    return {
        "entry": entry,
        "arrears": arrears,
        "commitment": commitment,
        "complaint": complaint,
        "bzz": bzz,
        "scj": scj,
    }


@pytest.fixture
def api():
    return APIClient()
