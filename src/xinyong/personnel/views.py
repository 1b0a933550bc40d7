"""Pages of personnel files. Workspace (under /workspace/personnel/): the files a user may
open, a file (purpose first, every view logged, refusals logged), keeping a file (persons,
items, 容错免责, revocation, answering objections), the import, 诚信典型 nominations and
selection. Portal (under /credit/personnel/): the person's own file after identity
confirmation (with objections), and the published 诚信典型. Thin adapters over `services`
and `selectors`; refusals are shown in Chinese."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.core.uploads import uploaded_file
from xinyong.orgs.models import Unit
from xinyong.orgs.permissions import is_credit_admin, role_of
from xinyong.publicity.views import throttled
from xinyong.rights.models import Objection
from xinyong.web.access import role_required

from . import access, selectors, services
from .models import (
    DishonestySource,
    ExemptionGround,
    FileCategory,
    FileItem,
    Grade,
    HonourKind,
    IdentityCheck,
    ItemKind,
    Person,
)

_DENIED = "只有组织部门、单位负责人和建档管理单位工作人员可以使用人员信用档案。"
# A 领导 reads every unit's nominations and a 单位负责人 its unit's; only the units' staff
# nominate (access.KEEPER_STAFF_ROLES) and only the credit office decides.
HONOUR_ROLES = access.HONOUR_ROLES
_HONOUR_DENIED = "只有信用办和各单位工作人员可以办理诚信典型推荐与评选。"
CONFIRM_SALT = "personnel.self-confirm"
SELF_SESSION = "personnel-self-check"
# An opened file stays open (each view still logged) for this long without asking the
# purpose again.
PURPOSE_SECONDS = 15 * 60
PURPOSES = ("干部选拔任用考察", "评先评优审核", "年度考核", "日常管理监督", "异议核查")


def _post(request: HttpRequest, key: str, limit: int = services.MAX_TEXT) -> str:
    return str(request.POST.get(key, ""))[:limit]


# ------------------------------------------------------------------ workspace: files


def _may_use(user: Any) -> bool:
    return access.may_hold_access(user)


def _reading_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The pages that show files: like `role_required(*PAGE_ROLES)`, but a signed-in
    user of any other role (credit office, bank …) is logged as a refused attempt before
    the 403 — every refused attempt to read a file is an event, whatever the role. A
    file that does not exist is refused the same way, so the answer tells nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) not in access.PAGE_ROLES:
            pk = kwargs.get("pk")
            person = Person.objects.filter(pk=pk).first() if pk else None
            services.log_refusal(
                reader=request.user,
                person=person,
                purpose=_post(request, "purpose", 200),
                what=f"人员信用档案 {pk}" if pk else "人员信用档案列表",
            )
            raise PermissionDenied(_DENIED)
        return view(request, *args, **kwargs)

    return wrapped


@_reading_gate
def file_list(request: HttpRequest) -> HttpResponse:
    if not _may_use(request.user):
        services.log_refusal(reader=request.user, person=None, purpose="", what="人员信用档案列表")
        raise PermissionDenied(access.READ_DENIED)
    persons = selectors.persons_readable_by(request.user)
    category = positive_id(request.GET.get("category"))
    if category:
        persons = persons.filter(category_id=category)
    q = str(request.GET.get("q", "")).strip()[:40]
    if q:
        try:
            persons = persons.filter(id_number=services.normalise_id_number(q))
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "personnel/list.html",
        {
            "persons": persons,
            "categories": FileCategory.objects.filter(active=True),
            "category": category,
            "q": q,
            "keepable": access.keepable_categories(request.user),
            "objections": services.objections_for_keeper(request.user)[:50],
        },
    )


def _open_purpose(request: HttpRequest, person: Person) -> str:
    saved = request.session.get(f"personnel-purpose-{person.pk}")
    if isinstance(saved, dict) and time.time() - float(saved.get("at", 0)) < PURPOSE_SECONDS:
        return str(saved.get("purpose", ""))
    return ""


def _keeper_action(request: HttpRequest, person: Person) -> None:
    """One of the keeping actions posted from the file page; refusals raise."""
    action = request.POST.get("action", "")
    item = None
    if action in ("exempt", "revoke"):
        item = person.items.filter(pk=positive_id(request.POST.get("item")) or 0).first()
        if item is None:
            raise DomainError("未找到该档案事项。")
    if action == "add":
        exemption = None
        if request.POST.get("exempt") == "on":
            exemption = services.clean_exemption(
                _post(request, "exemption_ground", 40),
                _post(request, "exemption_body", 100),
                _post(request, "exemption_document", 100),
                _post(request, "exemption_date", 40),
                _post(request, "exemption_reason"),
            )
        services.add_item(
            actor=request.user,
            person=person,
            item=services.ItemInput(
                kind=_post(request, "kind", 40),
                title=_post(request, "title", 200),
                year=_post(request, "year", 10),
                grade=_post(request, "grade", 40),
                source=_post(request, "source", 40),
                issuer=_post(request, "issuer", 100),
                source_unit=positive_id(request.POST.get("source_unit")),
                document_number=_post(request, "document_number", 100),
                document_date=_post(request, "document_date", 40),
                description=_post(request, "description"),
            ),
            exemption=exemption,
        )
        messages.success(request, "已登记档案事项。")
    elif action == "exempt" and item is not None:
        services.record_exemption(
            actor=request.user,
            item=item,
            ground=_post(request, "exemption_ground", 40),
            body=_post(request, "exemption_body", 100),
            document=_post(request, "exemption_document", 100),
            decided_on=_post(request, "exemption_date", 40),
            reason=_post(request, "exemption_reason"),
        )
        messages.success(request, "已登记容错免责认定，该事项不再计入失信。")
    elif action == "revoke" and item is not None:
        services.revoke_item(actor=request.user, item=item, reason=_post(request, "reason"))
        messages.success(request, "已撤销该事项。")
    elif action == "transfer":
        # A field missing from the form is left as it is; an emptied one is cleared (a
        # public servant's unit cannot be).
        unit = request.POST.get("unit")
        services.change_post(
            actor=request.user,
            person=person,
            unit=None if unit is None else (positive_id(unit) or ""),
            employer=_post(request, "employer", 100) if "employer" in request.POST else None,
            post=_post(request, "post", 100) if "post" in request.POST else None,
        )
        messages.success(request, "已变更所在单位/职务。")
    elif action == "reply":
        from xinyong.rights.objections import provider_reply

        objection = Objection.objects.filter(
            pk=positive_id(request.POST.get("objection")) or 0,
            personnel_item_link__item__person=person,
        ).first()
        if objection is None:
            raise DomainError("未找到该异议申请。")
        provider_reply(actor=request.user, objection=objection, reply=_post(request, "reply"))
        messages.success(request, "已提交核查意见。")
    else:
        raise DomainError("未知的操作。")


@_reading_gate
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A file that does not exist is refused like one the reader may not read (logged,
    # the same 403), so that the answer never tells whether a file exists.
    try:
        person = services.readable_person(
            reader=request.user, pk=pk, purpose=_post(request, "purpose", 200)
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    error = ""
    if request.method == "POST" and request.POST.get("action") == "open":
        purpose = _post(request, "purpose", 200)
        try:
            services.check_purpose(purpose)
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"personnel-purpose-{person.pk}"] = {
                "purpose": purpose.strip(),
                "at": time.time(),
            }
            return redirect("personnel:file", pk=person.pk)
    elif request.method == "POST":
        if not _open_purpose(request, person):
            raise PermissionDenied("请先说明查阅用途并打开档案。")
        try:
            _keeper_action(request, person)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("personnel:file", pk=person.pk)
    purpose = _open_purpose(request, person)
    if not purpose:
        return render(
            request,
            "personnel/purpose.html",
            {"person": person, "purposes": PURPOSES, "error": error},
        )
    view = services.open_file(reader=request.user, person=person, purpose=purpose)
    can_keep = access.can_keep(request.user, person.category)
    links = []
    if can_keep:
        links = [
            link
            for link in services.objections_for_keeper(request.user)
            if link.item.person_id == person.pk
        ]
    return render(
        request,
        "personnel/file.html",
        {
            "file": view,
            "person": person,
            "purpose": purpose,
            "basis": access.read_basis(request.user, person),
            "can_keep": can_keep,
            "objection_links": links,
            **_item_choices(),
        },
    )


def _item_choices() -> dict[str, Any]:
    return {
        "kinds": ItemKind.choices,
        "grades": Grade.choices,
        "sources": DishonestySource.choices,
        "grounds": ExemptionGround.choices,
        "units": Unit.objects.filter(active=True),
        "today": timezone.localdate(),
    }


@role_required(*access.PAGE_ROLES, denied=_DENIED)
def person_new(request: HttpRequest) -> HttpResponse:
    categories = access.keepable_categories(request.user)
    if not categories:
        raise PermissionDenied(access.WRITE_DENIED)
    keys = ("category", "name", "id_number", "unit", "employer", "post", "licence_number")
    values = {k: "" for k in keys}
    error = ""
    if request.method == "POST":
        values = {k: _post(request, k, 100) for k in keys}
        category = next((c for c in categories if c.pk == positive_id(values["category"])), None)
        try:
            if category is None:
                raise DomainError("请选择档案类别。")
            person = services.register_person(
                actor=request.user,
                category=category,
                name=values["name"],
                id_number=values["id_number"],
                unit=positive_id(values["unit"]),
                employer=values["employer"],
                post=values["post"],
                licence_number=values["licence_number"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"已建立 {person.masked_repr} 的{category.name}档案。")
            return redirect("personnel:list")
    return render(
        request,
        "personnel/new.html",
        {
            "categories": categories,
            "units": Unit.objects.filter(active=True),
            "values": values,
            "error": error,
        },
    )


@role_required(*access.PAGE_ROLES, denied=_DENIED)
def item_import(request: HttpRequest) -> HttpResponse:
    if not access.keepable_categories(request.user):
        raise PermissionDenied(access.WRITE_DENIED)
    outcome = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            with uploaded_file(upload) as path:
                outcome = services.import_items(
                    actor=request.user, path=path, filename=str(getattr(upload, "name", "") or "")
                )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            if not outcome.errors:
                messages.success(request, outcome.summary())
    return render(
        request,
        "personnel/import.html",
        {
            "outcome": outcome,
            "error": error,
            "columns": list(services.IMPORT_COLUMNS),
            "required": services.REQUIRED_IMPORT_COLUMNS,
        },
    )


# ------------------------------------------------------------------ workspace: 诚信典型


@role_required(*HONOUR_ROLES, denied=_HONOUR_DENIED)
def honour_list(request: HttpRequest) -> HttpResponse:
    admin = is_credit_admin(request.user)
    qs = selectors.nominations_visible_to(request.user, HONOUR_ROLES).select_related(
        "kind", "person", "person__unit", "unit", "nominated_by_unit"
    )
    kinds = HonourKind.objects.filter(active=True)
    keys = ("kind", "year", "person_id_number", "person_name", "unit", "community", "deeds")
    values = {k: "" for k in keys}
    values["year"] = str(timezone.localdate().year)
    error = ""
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        n = qs.filter(pk=positive_id(request.POST.get("nomination")) or 0).first()
        try:
            if n is None:
                raise DomainError("未找到该推荐。")
            services.withdraw_honour(
                actor=request.user, nomination=n, reason=_post(request, "reason")
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已撤销该诚信典型称号，门户不再公开。")
        return redirect("personnel:honours")
    if request.method == "POST" and request.POST.get("action") == "decide":
        n = qs.filter(pk=positive_id(request.POST.get("nomination")) or 0).first()
        try:
            if n is None:
                raise DomainError("未找到该推荐。")
            services.decide_nomination(
                actor=request.user,
                nomination=n,
                selected=request.POST.get("selected") == "1",
                document=_post(request, "document", 100),
                note=_post(request, "note"),
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已作出评选决定。")
        return redirect("personnel:honours")
    if request.method == "POST":
        values = {k: _post(request, k, 4000) for k in keys}
        kind = kinds.filter(pk=positive_id(values["kind"]) or 0).first()
        try:
            if kind is None:
                raise DomainError("请选择诚信典型类别。")
            services.nominate(
                actor=request.user,
                kind=kind,
                year=values["year"],
                deeds=values["deeds"],
                person_id_number=values["person_id_number"],
                person_name=values["person_name"],
                unit=positive_id(values["unit"]),
                community=values["community"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已提交推荐。")
            return redirect("personnel:honours")
    return render(
        request,
        "personnel/honours.html",
        {
            "nominations": qs.order_by("-year", "kind__sort_order", "id"),
            "kinds": kinds,
            "units": Unit.objects.filter(active=True),
            "values": values,
            "error": error,
            "is_admin": admin,
            "can_nominate": admin
            or (
                role_of(request.user) in access.KEEPER_STAFF_ROLES
                and getattr(request.user, "unit_id", None) is not None
            ),
        },
    )


# ------------------------------------------------------------------ portal


@throttled
def public_honours(request: HttpRequest) -> HttpResponse:
    years = selectors.honour_years()
    year = positive_id(request.GET.get("year"))
    rows = [selectors.present_public_honour(n) for n in selectors.public_honours(year)]
    return render(
        request,
        "personnel/public_honours.html",
        {"rows": rows, "years": years, "year": year},
    )


def _self_check(request: HttpRequest) -> IdentityCheck | None:
    pk = request.session.get(SELF_SESSION)
    if not pk:
        return None
    return IdentityCheck.objects.filter(pk=positive_id(pk) or 0, confirmed_at__isnull=False).first()


def _own_persons(request: HttpRequest) -> list[Person]:
    persons = services.persons_of_user(request.user)
    check = _self_check(request)
    if check is not None:
        try:
            persons += [p for p in services.persons_for_check(check) if p not in persons]
        except NotPermitted:
            request.session.pop(SELF_SESSION, None)
    return persons


@throttled
def my_file(request: HttpRequest) -> HttpResponse:
    """The person's own files: straight away for a signed-in user linked to a file,
    otherwise after the identity confirmation."""
    confirmed = bool(services.persons_of_user(request.user)) or _self_check(request) is not None
    error = ""
    values = {"id_number": "", "name": ""}
    if request.method == "POST" and request.POST.get("action") == "object":
        return _object(request)
    if request.method == "POST":
        values = {k: _post(request, k, 40) for k in values}
        try:
            check, shown = services.start_identity_check(
                id_number=values["id_number"], name=values["name"]
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session[f"personnel-shown-{check.pk}"] = shown
            token = signing.dumps({"c": check.pk}, salt=CONFIRM_SALT)
            return redirect("personnel:my-confirm", token=token)
    views: list[dict[str, Any]] = []
    if confirmed:
        persons = _own_persons(request)
        views = services.open_own_files(persons=persons, user=request.user)
    return render(
        request,
        "personnel/my_file.html",
        {
            "confirmed": confirmed,
            "views": views,
            "values": values,
            "error": error,
            "categories": Objection.Category.choices,
        },
    )


def _object(request: HttpRequest) -> HttpResponse:
    persons = _own_persons(request)
    item = (
        FileItem.objects.select_related("person", "person__category")
        .filter(pk=positive_id(request.POST.get("item")) or 0, person__in=persons)
        .first()
    )
    try:
        if item is None:
            raise NotFoundError("未找到该档案事项，或身份核验已过期。")
        objection = services.object_to_item(
            actor=request.user if request.user.is_authenticated else None,
            person=item.person,
            item=item,
            category=_post(request, "category", 20),
            description=_post(request, "description"),
            phone=_post(request, "phone", 20),
            requested_change=_post(request, "requested_change"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"异议已受理，查询码 {objection.query_code}，可在“异议进度查询”中查看办理进度。",
        )
    return redirect("personnel:my-file")


@throttled
def my_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=services.SELF_ACCESS_SECONDS)
        pk = int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("核验链接无效或已过期，请重新输入。") from None
    check = IdentityCheck.objects.filter(pk=pk, confirmed_at__isnull=True).first()
    if check is None:
        raise Http404("核验链接无效或已过期，请重新输入。")
    error = ""
    if request.method == "POST":
        try:
            check = services.confirm_identity(
                check=check, response=str(request.POST.get("code", ""))[:20]
            )
        except DomainError as exc:
            error = exc.message
        else:
            request.session.pop(f"personnel-shown-{check.pk}", None)
            request.session[SELF_SESSION] = check.pk
            return redirect("personnel:my-file")
    return render(
        request,
        "personnel/my_confirm.html",
        {
            "masked": str(check),
            "shown": request.session.get(f"personnel-shown-{check.pk}", ""),
            "error": error,
        },
    )


def register_navigation() -> None:
    from xinyong.web.navigation import register_module

    group = "政务诚信"
    register_module(
        "personnel.files",
        "人员信用档案",
        "personnel:list",
        roles=access.PAGE_ROLES,
        order=820,
        group=group,
        description="公务员诚信档案与从业人员信用档案：查阅须说明用途并留痕",
        check=access.may_hold_access,
    )
    register_module(
        "personnel.honours",
        "诚信典型",
        "personnel:honours",
        roles=HONOUR_ROLES,
        order=830,
        group=group,
        description="诚信优秀工作者、诚信示范机关、诚信示范街道（社区）的推荐与评选",
    )
