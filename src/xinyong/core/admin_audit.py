"""The event log and the read log in the admin: look, filter, search — never change.

Both logs are hash chains (core.audit); an edit or deletion here would break them, so the
admin offers no add, change or delete at all, and no bulk actions.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.signals import request_started
from django.db.models.signals import post_save
from django.http import HttpRequest

from .audit import record_event
from .event_labels import action_label, target_text, target_type_label
from .masked_rows import mask_events
from .models import Event, ReadLog


class _ReadOnlyLogAdmin(admin.ModelAdmin):
    date_hierarchy = "occurred_at"
    list_per_page = 50
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(_ReadOnlyLogAdmin):
    list_display = ("occurred_at", "actor_label", "channel", "action_shown", "target_shown")
    list_filter = (
        "action",
        "target_type",
        "channel",
        "occurred_at",
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("action", "target_type", "target_id", "target_repr", "actor_label")
    readonly_fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "channel",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "old_values",
        "new_values",
        "source_ip",
        "prev_hash",
        "entry_hash",
    )

    # A correction's old and new values may hold a person's name and ID number: shown
    # masked, as on the workspace's event log (the stored chain is never touched).
    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        changelist.result_list = mask_events(changelist.result_list)
        return changelist

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        event = super().get_object(request, object_id, from_field)
        return mask_events([event])[0] if event is not None else None

    @admin.display(description="动作", ordering="action")
    def action_shown(self, obj: Event) -> str:
        return action_label(obj.action)

    @admin.display(description="对象")
    def target_shown(self, obj: Event) -> str:
        return target_text(obj.target_type, obj.target_id, obj.target_repr)


@admin.register(ReadLog)
class ReadLogAdmin(_ReadOnlyLogAdmin):
    list_display = (
        "occurred_at",
        "reader_label",
        "reader_unit",
        "channel",
        "subject_type_shown",
        "subject_repr",
        "purpose",
    )
    list_filter = (
        "subject_type",
        "channel",
        "occurred_at",
        ("reader", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reader_label", "reader_unit", "subject_id", "subject_repr", "purpose")
    readonly_fields = (
        "occurred_at",
        "reader",
        "reader_label",
        "reader_unit",
        "channel",
        "subject_type",
        "subject_id",
        "subject_repr",
        "purpose",
        "source_ip",
        "prev_hash",
        "entry_hash",
    )

    @admin.display(description="主体类型", ordering="subject_type")
    def subject_type_shown(self, obj: ReadLog) -> str:
        return target_type_label(obj.subject_type)


_ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}
# Whether a service has written an event during the current request: the admin logs its
# action right after save_model in the same request, so such an event is that action's.
_service_event_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "xinyong_admin_service_event", default=False
)


def _request_started(**kwargs: Any) -> None:
    _service_event_in_request.set(False)


def _event_saved(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    if created and not instance.action.startswith("admin."):
        _service_event_in_request.set(True)


def record_admin_entry(entry: LogEntry) -> None:
    """The event for one action taken in the configuration admin. Many admins save
    through their app's services, which write their own event; others save the model
    directly, and bulk deletions never pass a service. An action the admin logs becomes
    an event here unless a service wrote one in the same request (one event per change,
    as everywhere else)."""
    if _service_event_in_request.get():
        return
    content_type: Any = entry.content_type if entry.content_type_id else None
    model = content_type.model_class() if content_type is not None else None
    record_event(
        actor=entry.user,
        action=_ADMIN_ACTIONS.get(entry.action_flag, "admin.action"),
        target_type=model._meta.label if model is not None else "",
        target_id=entry.object_id or "",
        target_repr=entry.object_repr,
        new={"变更": entry.get_change_message()} if entry.action_flag == CHANGE else None,
    )


def audit_admin_actions() -> None:
    """Called from CoreConfig.ready(): the admin's LogEntry manager also writes events
    (issue 11 §3: admin actions audited). The manager's `log_actions` is wrapped on the
    instance, so that every path the admin takes (single saves and bulk deletions, which
    Django logs with bulk_create and no signal) passes through it."""
    manager: Any = LogEntry._default_manager
    if not getattr(manager.log_actions, "xinyong_audited", False):
        original = manager.log_actions

        def log_actions(*args: Any, **kwargs: Any) -> Any:
            logged = original(*args, **kwargs)
            for entry in [logged] if isinstance(logged, LogEntry) else logged:
                record_admin_entry(entry)
            return logged

        log_actions.xinyong_audited = True  # type: ignore[attr-defined]
        manager.log_actions = log_actions
    request_started.connect(_request_started, dispatch_uid="xinyong.admin_audit.request")
    post_save.connect(_event_saved, sender=Event, dispatch_uid="xinyong.admin_audit.event")
