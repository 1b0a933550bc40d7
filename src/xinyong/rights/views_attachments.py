"""Download of an objection's evidence or a repair application's materials (workspace).

Whoever may open the case page may download its files; anyone else gets 404, as for the
case page itself. A file is always served as a download with the type its (checked)
extension implies and `nosniff`, so that an uploaded file is never rendered as a page of
this site. Every download is an event (who took which file of which case), and a read of
the person's data when the case is about a natural person.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from xinyong.core.audit import record_event
from xinyong.core.errors import NotFoundError
from xinyong.subjects.selectors import log_person_reads
from xinyong.web.access import role_required

from . import objections, repair
from .attachments import content_type_for
from .models import Attachment, Objection, RepairApplication
from .views_objections import STAFF_ROLES

_DENIED = "只有信用办、责任单位工作人员和领导可以查看异议和信用修复材料。"


@role_required(*STAFF_ROLES, denied=_DENIED)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = Attachment.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if attachment is None:
        raise Http404("未找到该材料。")
    case: Objection | RepairApplication
    try:
        # The same scope as the case pages (objection-detail, repair-detail).
        if attachment.objection_id is not None:
            case = objections.get_objection_for(request.user, attachment.objection_id)
            kind, case_repr, purpose = "异议", f"异议 {case.pk}", "查阅异议证据材料"
        else:
            case = repair.get_repair_for(request.user, attachment.repair_id)
            kind, case_repr, purpose = "信用修复", f"信用修复申请 {case.pk}", "查阅信用修复材料"
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    try:
        # At most 10 MB (attachments.MAX_FILE_BYTES): read whole.
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, ValueError):
        raise Http404(f"该{kind}材料的文件已不存在，请联系系统管理员。") from None
    record_event(
        actor=request.user,
        action="rights.attachment.download",
        target_type="rights.Attachment",
        target_id=attachment.pk,
        target_repr=f"材料 {attachment.pk}（{case_repr}）",
        new={"size": attachment.size, "sha256": attachment.sha256},
    )
    log_person_reads(
        [case.subject], reader=request.user, purpose=f"{purpose}（材料 {attachment.pk}）"
    )
    response = HttpResponse(content, content_type=content_type_for(attachment.original_name))
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=attachment.original_name)
        or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
