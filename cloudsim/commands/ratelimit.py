"""getApiLimit and resetApiLimit: the API throttling counters."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import ROOT_ONLY, Param, command
from ..api.views import F, Success, View
from ..errors import UNSUPPORTED_ACTION_ERROR, CloudStackError

_DISABLED = "This api is only available when api.throttling.enabled = true."


class ApiLimitView(View):
    object_name = "apilimit"
    fields = (F("accountid", "string", "the account's ID"), F("account", "string", "the account's name"),
              F("apiIssued", "int", "calls made in the current window"),
              F("apiAllowed", "int", "calls still allowed in the current window"),
              F("expireAfter", "long", "milliseconds until the window closes"))


def _limiter(ctx):
    limiter = ctx.app.limiter
    if not limiter.enabled:
        raise CloudStackError(UNSUPPORTED_ACTION_ERROR, _DISABLED)
    return limiter


@command("getApiLimit", response=ApiLimitView, description="Shows how many API calls the caller's account "
         "has made and may still make in the current throttling window.")
async def get_api_limit(ctx):
    issued, allowed, expire = _limiter(ctx).status(ctx.caller.account_id)
    return ApiLimitView.entity({"accountid": ctx.caller.account_uuid, "account": ctx.caller.account_name,
                                "apiIssued": issued, "apiAllowed": allowed, "expireAfter": expire})


@command("resetApiLimit", roles=ROOT_ONLY, description="Clears the API throttling counter of one account, "
         "or of all accounts.")
async def reset_api_limit(ctx, *, account: Param(P.UUID, "The account whose counter to clear; default all",
                                                 entity="Account") = None):
    _limiter(ctx).reset(account["id"] if account else None)
    return Success()
