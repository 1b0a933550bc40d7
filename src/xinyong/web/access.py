"""Page gates for the workspace. The rules themselves live in xinyong.orgs.permissions;
this module only turns them into responses: anonymous visitors go to the login page,
signed-in users without the role get the Chinese 403 page with the reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from xinyong.orgs.permissions import role_of


def role_required(
    *roles: str, denied: str
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: anonymous → login (302), wrong role → 403 showing `denied`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied(denied)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def may_enter_admin(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))
