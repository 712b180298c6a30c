"""CloudStack's error codes and the one exception type that carries them.

Raise a CloudStackError anywhere below the edge; api.server renders it once, in XML or JSON.
"""
from __future__ import annotations

# ApiErrorCode: the HTTP status and the errorcode field.
BAD_REQUEST = 400
UNAUTHORIZED = 401
METHOD_NOT_ALLOWED = 405
API_LIMIT_EXCEED = 429
MALFORMED_PARAMETER_ERROR = 430
PARAM_ERROR = 431
UNSUPPORTED_ACTION_ERROR = 432
SERVICE_UNAVAILABLE = 503
UNAUTHORIZED2FA = 511
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
ACCOUNT_RESOURCE_LIMIT_ERROR = 532
INSUFFICIENT_CAPACITY_ERROR = 533
RESOURCE_UNAVAILABLE_ERROR = 534
RESOURCE_ALLOCATION_ERROR = 535
RESOURCE_IN_USE_ERROR = 536
NETWORK_RULE_CONFLICT_ERROR = 537

# CSExceptionErrorCode: cserrorcode, naming the Java exception class behind an error.
CS_SERVER_API = 9999
CS_CLOUD_RUNTIME = 4250
CS_ACCOUNT_LIMIT = 4280
CS_CONCURRENT_OPERATION = 4300
CS_INSUFFICIENT_ADDRESS_CAPACITY = 4320
CS_INSUFFICIENT_CAPACITY = 4325
CS_INSUFFICIENT_SERVER_CAPACITY = 4335
CS_INVALID_PARAMETER_VALUE = 4350
CS_NETWORK_RULE_CONFLICT = 4360
CS_PERMISSION_DENIED = 4365
CS_RESOURCE_ALLOCATION = 4370
CS_RESOURCE_IN_USE = 4375
CS_RESOURCE_UNAVAILABLE = 4380
CS_OPERATION_TIMED_OUT = 4560

# The errortext clients match on when a signature, key or session is not accepted.
CREDENTIALS_TEXT = "unable to verify user credentials and/or request signature"


class CloudStackError(Exception):
    """An API error: HTTP status/errorcode, cserrorcode (None = absent) and errortext."""

    def __init__(self, code: int, text: str, cserrorcode: int | None = CS_SERVER_API,
                 uuids: list[tuple[str, str]] | None = None):
        super().__init__(text)
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode
        self.uuids = uuids or []  # (uuid, property) pairs for uuidList


def param_error(text: str) -> CloudStackError:
    """431 raised by the API layer itself (parameter processing)."""
    return CloudStackError(PARAM_ERROR, text, CS_SERVER_API)


def invalid_value(text: str) -> CloudStackError:
    """431 raised by the service layer (InvalidParameterValueException)."""
    return CloudStackError(PARAM_ERROR, text, CS_INVALID_PARAMETER_VALUE)


def permission_denied(text: str) -> CloudStackError:
    return CloudStackError(ACCOUNT_ERROR, text, CS_PERMISSION_DENIED)


def resource_in_use(text: str) -> CloudStackError:
    return CloudStackError(RESOURCE_IN_USE_ERROR, text, CS_RESOURCE_IN_USE)


def resource_unavailable(text: str) -> CloudStackError:
    return CloudStackError(RESOURCE_UNAVAILABLE_ERROR, text, CS_RESOURCE_UNAVAILABLE)


def insufficient_capacity(text: str) -> CloudStackError:
    return CloudStackError(INSUFFICIENT_CAPACITY_ERROR, text, CS_INSUFFICIENT_SERVER_CAPACITY)


def internal_error(text: str) -> CloudStackError:
    return CloudStackError(INTERNAL_ERROR, text, CS_CLOUD_RUNTIME)


def concurrent_operation(text: str) -> CloudStackError:
    return CloudStackError(INTERNAL_ERROR, text, CS_CONCURRENT_OPERATION)


def unauthorized(text: str = CREDENTIALS_TEXT) -> CloudStackError:
    return CloudStackError(UNAUTHORIZED, text, None)


def unknown_id(command: str, name: str, value: str) -> CloudStackError:
    """CloudStack's wording for a UUID that does not resolve (Terraform matches on it)."""
    return param_error(
        f"Unable to execute API command {command.lower()} due to invalid value. Invalid parameter "
        f"{name} value={value} due to incorrect long value format, or entity does not exist or "
        "due to incorrect parameter annotation for the field in api cmd class.")
