"""Reference data of personnel files: the file categories (who keeps which file, on what
basis) and the 诚信典型 titles. Create-missing-only, so that admin edits survive."""

from __future__ import annotations

from xinyong.core.bootstrap import reference_loader
from xinyong.core.errors import DomainError
from xinyong.orgs.models import Unit
from xinyong.orgs.services import resolve_unit_name

from .models import FileCategory, HonourKind

SEED = "《2023年北关区社会信用体系建设工作方案》（北信用办〔2023〕1号）"

# (code, name, keeper unit, public servant, org dept reads, basis, order)
CATEGORIES = [
    (
        "civil_servant",
        "公务员",
        "区委组织部",
        True,
        True,
        "《河南省社会信用条例》第五十二条（国家机关建立工作人员信用档案）；"
        f"《中华人民共和国公务员法》第三十五至三十八条（考核）；{SEED}：建立公务员诚信档案",
        10,
    ),
    (
        "lawyer",
        "律师",
        "区司法局",
        False,
        False,
        f"《中华人民共和国律师法》；{SEED}：建立本行业从业人员信用档案",
        20,
    ),
    (
        "medical",
        "医务工作者",
        "区卫健委",
        False,
        False,
        f"《中华人民共和国医师法》；{SEED}：建立本行业从业人员信用档案",
        30,
    ),
    (
        "driver",
        "驾驶员",
        "区交通局",
        False,
        False,
        f"《中华人民共和国道路运输条例》；{SEED}：建立本行业从业人员信用档案",
        40,
    ),
]

HONOURS = [
    ("excellent_worker", "诚信优秀工作者", HonourKind.Nominee.PERSON, 10),
    ("model_organ", "诚信示范机关", HonourKind.Nominee.UNIT, 20),
    ("model_community", "诚信示范街道（社区）", HonourKind.Nominee.COMMUNITY, 30),
]


@reference_loader(60, "人员信用档案类别与诚信典型")
def load_personnel_reference() -> str:
    created = 0
    for code, name, keeper, servant, org_reads, basis, order in CATEGORIES:
        if FileCategory.objects.filter(code=code).exists():
            continue
        try:
            unit = resolve_unit_name(keeper)
        except DomainError:
            continue
        if not isinstance(unit, Unit):
            continue
        FileCategory.objects.create(
            code=code,
            name=name,
            keeper_unit=unit,
            is_public_servant=servant,
            org_dept_reads=org_reads,
            legal_basis=basis,
            sort_order=order,
        )
        created += 1
    for code, name, nominee, order in HONOURS:
        if HonourKind.objects.filter(code=code).exists():
            continue
        HonourKind.objects.create(
            code=code,
            name=name,
            nominee=nominee,
            sort_order=order,
            description=f"{SEED}：开展诚信典型评选，树立{name}。",
        )
        created += 1
    return f"新建 {created} 条" if created else "已存在"
