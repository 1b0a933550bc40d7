# The core admin is split by concern; importing the modules registers their ModelAdmins.
from . import admin_audit, admin_calendar, admin_identifiers  # noqa: F401
