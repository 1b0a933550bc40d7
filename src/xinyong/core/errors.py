from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request. `message` is Chinese and shown to people."""

    http_status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotPermitted(DomainError):
    http_status = 403
    code = "forbidden"


class NotFoundError(DomainError):
    http_status = 404
    code = "not_found"


class CalendarUnknownYear(DomainError):
    """A date falls in a year whose official schedule is not loaded (DOMAIN.md §3)."""

    code = "calendar_unknown_year"

    def __init__(self, year: int):
        super().__init__(
            f"工作日历缺少 {year} 年的节假日安排，无法计算工作日；请信用办导入 {year} 年的国务院节假日通知。"
        )
        self.year = year
