"""Demo personnel files for `xinyong init --demo`: four public servants (one with a
dishonesty item exempt under 容错免责, one with a counted one), three practitioners kept
by 区司法局, 区卫健委 and 区交通局, and 诚信典型 nominations (three selected and
published, one pending) — all through the services, dated 2023–2026. Idempotent: skipped
when the first file exists. The demo accounts it adds are listed in docs/personnel.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from xinyong.core.bootstrap import demo_loader
from xinyong.core.identifiers import resident_id_check_char
from xinyong.orgs import services as orgs
from xinyong.orgs.loaders import DEMO_PASSWORD
from xinyong.orgs.models import Role, User
from xinyong.orgs.services import resolve_unit

from . import services
from .models import FileCategory, HonourKind, Person

# username, full name, role, unit
DEMO_USERS = [
    ("scj_leader", "市场监管局局长", Role.UNIT_LEADER, "区市场监管局"),
    ("sfj_reviewer", "司法局审核员", Role.REVIEWER, "区司法局"),
    ("wjw_reporter", "卫健委填报员", Role.REPORTER, "区卫健委"),
    ("jtj_reporter", "交通局填报员", Role.REPORTER, "区交通局"),
    ("wang_jg", "王建国", Role.REPORTER, "区市场监管局"),
]


def demo_id(body17: str) -> str:
    """A valid resident ID number (check character computed) for demo people."""
    return body17 + resident_id_check_char(body17)


WANG = demo_id("41050319820314121")
LI = demo_id("41050319880726202")
ZHAO = demo_id("41050319790105301")
CHEN = demo_id("41050319900918402")
SUN = demo_id("41050219850611503")
ZHOU = demo_id("41050319870422604")
WU = demo_id("41052219760830705")


def _user(username: str, full_name: str, role: str, unit: str) -> User:
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return orgs.create_user(
        actor=None,
        username=username,
        password=DEMO_PASSWORD,
        role=role,
        unit=resolve_unit(unit),
        full_name=full_name,
    )


def _item(actor: Any, person: Person, **values: Any) -> Any:
    exemption = values.pop("exemption", None)
    return services.add_item(
        actor=actor, person=person, item=services.ItemInput(**values), exemption=exemption
    )


@demo_loader(60, "人员信用档案")
@transaction.atomic
def load_demo_personnel() -> str:
    if Person.objects.filter(id_number=WANG).exists():
        return "已存在，跳过"
    users = {u[0]: _user(*u) for u in DEMO_USERS}
    zzb = User.objects.get(username="zzb")
    admin = User.objects.get(username="admin")
    servant = FileCategory.objects.get(code="civil_servant")

    wang = services.register_person(
        actor=zzb,
        category=servant,
        name="王建国",
        id_number=WANG,
        unit="区市场监管局",
        post="信用监管科科长",
        user=users["wang_jg"],
    )
    for year, grade in ((2023, "优秀"), (2024, "称职"), (2025, "优秀")):
        _item(
            zzb,
            wang,
            kind="年度考核",
            year=year,
            grade=grade,
            issuer="安阳市北关区市场监督管理局",
            document_number=f"北市监人〔{year + 1}〕3号",
            document_date=date(year + 1, 1, 20),
        )
    _item(
        zzb,
        wang,
        kind="表彰奖励",
        title="全区优化营商环境工作先进个人",
        issuer="中共北关区委 北关区人民政府",
        document_number="北文〔2024〕12号",
        document_date=date(2024, 3, 8),
    )

    li = services.register_person(
        actor=zzb,
        category=servant,
        name="李红梅",
        id_number=LI,
        unit="区住建局",
        post="行政审批股一级科员",
    )
    _item(
        zzb,
        li,
        kind="年度考核",
        year=2025,
        grade="称职",
        issuer="安阳市北关区住房和城乡建设局",
        document_number="北住建人〔2026〕2号",
        document_date=date(2026, 1, 22),
    )
    _item(
        zzb,
        li,
        kind="一般失信",
        title="诫勉谈话（审批承诺时限超期）",
        source="纪律处分",
        issuer="中共北关区纪律检查委员会",
        source_unit="区纪委监委",
        document_number="北纪诫〔2025〕7号",
        document_date=date(2025, 6, 10),
        description="推行工程建设项目“承诺制”审批试点中，3件审批超出承诺时限。",
        exemption=services.Exemption(
            ground="good_faith",
            body="中共北关区纪律检查委员会",
            document="北纪容〔2025〕3号",
            decided_on=date(2025, 8, 20),
            reason="系改革创新先行先试中的无意过失，未谋取私利，已主动纠正，依容错纠错机制免责。",
        ),
    )

    zhao = services.register_person(
        actor=zzb,
        category=servant,
        name="赵志强",
        id_number=ZHAO,
        unit="区城管局",
        post="市容管理股科员",
    )
    _item(
        zzb,
        zhao,
        kind="一般失信",
        title="生效判决确定的还款义务逾期未履行",
        source="司法判决",
        issuer="安阳市北关区人民法院",
        source_unit="区法院",
        document_number="（2025）豫0503民初1234号",
        document_date=date(2025, 9, 12),
        description="民间借贷纠纷，判决生效后逾期未履行还款义务 4.2 万元。",
    )

    chen = services.register_person(
        actor=zzb,
        category=servant,
        name="陈静",
        id_number=CHEN,
        unit="区税务局",
        post="纳税服务股股长",
    )
    _item(
        zzb,
        chen,
        kind="年度考核",
        year=2025,
        grade="优秀",
        issuer="国家税务总局安阳市北关区税务局",
        document_number="北税人〔2026〕1号",
        document_date=date(2026, 1, 15),
    )
    _item(
        zzb,
        chen,
        kind="表彰奖励",
        title="全区诚信纳税服务标兵",
        issuer="北关区社会信用体系建设领导小组",
        document_number="北信用组〔2025〕4号",
        document_date=date(2025, 12, 5),
    )

    lawyer = FileCategory.objects.get(code="lawyer")
    sun = services.register_person(
        actor=users["sfj_reviewer"],
        category=lawyer,
        name="孙立",
        id_number=SUN,
        employer="河南安北律师事务所",
        post="专职律师",
        licence_number="14105202010123456",
    )
    _item(
        users["sfj_reviewer"],
        sun,
        kind="表彰奖励",
        title="2025年度优秀法律援助律师",
        issuer="安阳市北关区司法局",
        document_number="北司〔2026〕6号",
        document_date=date(2026, 2, 10),
    )

    medical = FileCategory.objects.get(code="medical")
    zhou = services.register_person(
        actor=users["wjw_reporter"],
        category=medical,
        name="周敏",
        id_number=ZHOU,
        employer="安阳市北关区人民医院",
        post="主治医师",
        licence_number="110410500012345",
    )
    _item(
        users["wjw_reporter"],
        zhou,
        kind="一般失信",
        title="未按规定书写病历被警告",
        source="行政处罚",
        issuer="安阳市北关区卫生健康委员会",
        source_unit="区卫健委",
        document_number="北卫医罚〔2026〕8号",
        document_date=date(2026, 4, 16),
    )

    driver = FileCategory.objects.get(code="driver")
    wu = services.register_person(
        actor=users["jtj_reporter"],
        category=driver,
        name="吴刚",
        id_number=WU,
        employer="安阳市北关区安顺运输有限公司",
        post="道路货物运输驾驶员",
        licence_number="410522197608307050",
    )
    _item(
        users["jtj_reporter"],
        wu,
        kind="年度考核",
        year=2025,
        grade="称职",
        title="2025年度道路运输驾驶员诚信考核",
        issuer="安阳市北关区交通运输局",
        document_number="北交运〔2026〕9号",
        document_date=date(2026, 3, 2),
    )

    kinds = {k.code: k for k in HonourKind.objects.all()}
    selected: list[dict[str, Any]] = [
        dict(
            kind=kinds["excellent_worker"],
            person_id_number=CHEN,
            person_name="陈静",
            deeds="推行“首问负责+容缺办理”，全年办理涉税业务 1.2 万件零投诉，"
            "陈静同志获评全区诚信纳税服务标兵。",
        ),
        dict(
            kind=kinds["model_organ"],
            unit="区税务局",
            deeds="全面落实政务服务“好差评”，承诺事项按期办结率 100%，无失信被执行记录。",
        ),
        dict(
            kind=kinds["model_community"],
            unit="红旗路街道",
            community="健康路社区",
            deeds="建立居民信用积分与“信易+”志愿服务激励，社区诚信宣传全覆盖。",
        ),
    ]
    for values in selected:
        nomination = services.nominate(actor=zzb, year=2025, on=date(2025, 12, 10), **values)
        services.decide_nomination(
            actor=admin,
            nomination=nomination,
            selected=True,
            document="北信用办〔2025〕9号",
            on=date(2025, 12, 26),
        )
    services.nominate(
        actor=zzb,
        kind=kinds["excellent_worker"],
        year=2026,
        person_id_number=WANG,
        person_name="王建国",
        deeds="牵头建成市场主体信用分级分类监管系统，双随机抽查按信用等级差异化实施。",
        on=date(2026, 11, 2),
    )
    return "7 份人员信用档案（公务员 4、律师 1、医务工作者 1、驾驶员 1），诚信典型推荐 4 条（已评选 3）"
