"""Pages of 信易+. Portal (/credit/benefits/): the published scenarios. Workspace
(/workspace/benefits/): the scenarios with their use counts, the provider's check ("is
this subject eligible, and for what") and, for the credit office and leaders, each
scenario's recent uses. Thin adapters over services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.finance import criteria as crit
from xinyong.orgs.models import Role
from xinyong.orgs.permissions import role_of
from xinyong.publicity.views import throttled
from xinyong.subjects.selectors import log_person_reads
from xinyong.web.access import role_required

from . import services
from .models import Scenario, ScenarioUse

VIEW_ROLES = (*services.CHECK_ROLES, Role.LEADER)
_DENIED = "只有信用办、责任单位工作人员、合作银行和领导可以查看信易+场景。"
_CHECK_DENIED = "只有信用办、责任单位工作人员和合作银行可以进行信易+核验。"
_USES_DENIED = "只有信用办和领导可以查看信易+使用明细。"


@throttled
def portal_list(request: HttpRequest) -> HttpResponse:
    scenarios = Scenario.objects.filter(published=True, active=True).order_by("sort_order", "code")
    rows = [{"s": s, "lines": crit.describe(s.criteria)} for s in scenarios]
    return render(request, "benefits/portal_list.html", {"rows": rows})


@role_required(*VIEW_ROLES, denied=_DENIED)
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = services.usage_counts()
    rows = [{"s": s, "lines": crit.describe(s.criteria)} for s in scenarios]
    return render(
        request,
        "benefits/list.html",
        {
            "rows": rows,
            "can_check": services.may_check(request.user),
            "can_see_uses": role_of(request.user) in (Role.CREDIT_ADMIN, Role.LEADER),
        },
    )


@role_required(*services.CHECK_ROLES, denied=_CHECK_DENIED)
def check(request: HttpRequest) -> HttpResponse:
    scenarios = Scenario.objects.filter(active=True).order_by("sort_order", "code")
    values = {"subject": "", "scenario": str(request.GET.get("scenario", ""))[:20]}
    result = None
    error = ""
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[:40] for k in values}
        try:
            scenario = services.get_scenario(values["scenario"]) if values["scenario"] else None
            result = services.check(
                actor=request.user,
                subject_code=values["subject"],
                scenario=scenario,
                channel=ScenarioUse.Channel.WORKSPACE,
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "benefits/check.html",
        {
            "scenarios": scenarios,
            "values": values,
            "result": result.as_dict() if result else None,
            "error": error,
        },
    )


@role_required(Role.CREDIT_ADMIN, Role.LEADER, denied=_USES_DENIED)
def scenario_uses(request: HttpRequest, code: str) -> HttpResponse:
    scenario = Scenario.objects.filter(code=code.upper()[:20]).first()
    if scenario is None:
        raise Http404("未找到该场景。")
    uses = scenario.uses.select_related("subject").order_by("-checked_at", "-id")
    page = Paginator(uses, 50).get_page(request.GET.get("page"))
    # The page shows whether each person checked was eligible (ARCHITECTURE rule 5; the
    # person's 查询记录, 河南条例 art. 40): one read per person shown.
    log_person_reads(
        dict.fromkeys(u.subject for u in page if u.subject is not None),
        reader=request.user,
        purpose=f"查阅信易+使用记录（{scenario.name}）",
    )
    return render(request, "benefits/uses.html", {"scenario": scenario, "page": page})


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    register_module(
        "benefits.scenarios",
        "信易+场景",
        "benefits:list",
        roles=VIEW_ROLES,
        order=720,
        group="信易贷与信易+",
        description="信易批、信易租、信易游等守信激励场景，适用条件、依据与使用次数",
    )
    register_module(
        "benefits.check",
        "信易+核验",
        "benefits:check",
        roles=services.CHECK_ROLES,
        order=722,
        group="信易贷与信易+",
        description="服务提供方核验主体是否可享受守信激励、可享受哪些",
    )
