"""The transactional outbox towards the city platform, its messages and delivery attempts,
and the files pushed down to us (docs/exchange.md).

An `OutboxEntry` is written inside the transaction of the change it announces (a stored
batch, a corrected or withdrawn record, a list change, an approved repair, a credit
commitment made, its fulfilment or its overdue flag), so a change
and its announcement commit or roll back together. It is one small row even for a batch
of a million records: the sender later splits it into `OutboundMessage`s (send chunks,
each with its own idempotency key) and builds their payloads in the national exchange
field format at send time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


def new_entry_uid() -> str:
    return uuid.uuid4().hex


# Changes of a batch, a record or a repair (records.signals.batch_stored and
# record_changed, outbox.on_repair_decided), as OutboxEntry.change names them.
RECORD_CHANGES = {
    "stored": "入库",
    "corrected": "更正",
    "withdrawn": "撤回",
    "restored": "恢复公示",
    "approved": "修复获准",
}


class OutboxEntry(models.Model):
    class Kind(models.TextChoices):
        BATCH = "batch", "归集批次"
        RECORD = "record", "单条记录变更"
        LIST_ENTRY = "list_entry", "名单变更"
        REPAIR = "repair", "信用修复"
        COMMITMENT = "commitment", "信用承诺"

    # A random id, not the row id: idempotency keys derive from it, so keys stay unique
    # across a database restored from a backup (row ids would be reused).
    uid = models.CharField("标识", max_length=32, unique=True, default=new_entry_uid)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    change = models.CharField("变更", max_length=20)
    batch = models.ForeignKey(
        "collection.Batch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="归集批次",
    )
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="信用记录",
    )
    list_entry = models.ForeignKey(
        "sanctions.ListEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="名单条目",
    )
    repair = models.ForeignKey(
        "rights.RepairApplication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="信用修复申请",
    )
    commitment = models.ForeignKey(
        "commitments.Commitment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="信用承诺",
    )
    created_at = models.DateTimeField("入队时间", auto_now_add=True)
    # Set in the transaction that creates the entry's messages (so never half-split).
    expanded_at = models.DateTimeField("生成报文时间", null=True, blank=True)
    message_count = models.PositiveIntegerField("报文数", default=0)
    item_count = models.PositiveIntegerField("条数", default=0)

    class Meta:
        verbose_name = "待推送变更"
        verbose_name_plural = "待推送变更"
        ordering = ["id"]
        indexes = [models.Index(fields=["expanded_at", "id"], name="outbox_pending_expand")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{self.change_label} #{self.pk}"

    @property
    def change_label(self) -> str:
        """The change in Chinese: a list entry's new status, a commitment's change
        (outbox.COMMITMENT_CHANGES) or a record's or batch's."""
        if self.kind == self.Kind.LIST_ENTRY:
            from xinyong.sanctions.models import ListEntry

            statuses = ListEntry.Status
            return statuses(self.change).label if self.change in statuses else self.change
        if self.kind == self.Kind.COMMITMENT:
            from .outbox import COMMITMENT_CHANGES

            return COMMITMENT_CHANGES.get(self.change, self.change)
        return RECORD_CHANGES.get(self.change, self.change)


class OutboundMessage(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送待确认"
        ACKNOWLEDGED = "acknowledged", "已确认"
        FAILED = "failed", "发送失败"

    class Operation(models.TextChoices):
        UPSERT = "upsert", "新增或更新"
        WITHDRAW = "withdraw", "撤销"
        REPAIR = "repair", "信用修复"
        LIST = "list", "名单变更"

    entry = models.ForeignKey(
        OutboxEntry, on_delete=models.PROTECT, related_name="messages", verbose_name="待推送变更"
    )
    seq = models.PositiveIntegerField("分片序号", default=1)
    idempotency_key = models.CharField("幂等键", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=12, choices=OutboxEntry.Kind.choices)
    operation = models.CharField("操作", max_length=10, choices=Operation.choices)
    record_type_code = models.CharField("信息类别", max_length=30, blank=True)
    # The records of a batch chunk, fixed when the entry is split so that a retry sends
    # the same set; their content is read at send time (state transfer, docs/exchange.md).
    record_ids = models.JSONField("记录编号", default=list, blank=True)
    item_count = models.PositiveIntegerField("条数", default=0)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", null=True, blank=True)
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    lease_token = models.CharField("占用标识", max_length=32, blank=True)
    transport = models.CharField("发送方式", max_length=10, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    receipt = models.CharField("回执号", max_length=100, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    filename = models.CharField("交换文件", max_length=255, blank=True)
    body_sha256 = models.CharField("报文哈希", max_length=64, blank=True)

    class Meta:
        verbose_name = "推送报文"
        verbose_name_plural = "推送报文"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_status_due"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", "已确认"
        SENT = "sent", "已投递待回执"
        RETRY = "retry", "失败待重试"
        FAILED = "failed", "失败（不再重试）"

    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="tries", verbose_name="推送报文"
    )
    number = models.PositiveIntegerField("第几次")
    transport = models.CharField("发送方式", max_length=10)
    started_at = models.DateTimeField("开始时间")
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField("HTTP 状态码", null=True, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"
        ordering = ["message", "number"]

    def __str__(self) -> str:
        return f"报文 {self.message_id} 第 {self.number} 次发送：{self.get_outcome_display()}"


class InboundFile(TimeStampedModel):
    """A file pushed down by the city platform (lists, feedback, evaluation results),
    imported once: its SHA-256 is unique."""

    class Kind(models.TextChoices):
        LIST = "list", "名单"
        RECORDS = "records", "信用信息（含评价结果）"
        FEEDBACK = "feedback", "接收反馈"

    class Status(models.TextChoices):
        PROCESSING = "processing", "处理中"
        DONE = "done", "已导入"
        REJECTED = "rejected", "已拒收"

    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件哈希", max_length=64, unique=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, blank=True)
    code = models.CharField("名单/信息类别", max_length=30, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROCESSING
    )
    message = models.TextField("结果说明", blank=True)
    result = models.JSONField("处理结果", default=dict, blank=True)
    batch = models.ForeignKey(
        "collection.Batch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="归集批次",
    )
    moved_to = models.CharField("归档位置", max_length=500, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="处理人",
    )

    class Meta:
        verbose_name = "下发文件"
        verbose_name_plural = "下发文件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.filename
