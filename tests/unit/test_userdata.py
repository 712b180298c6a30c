"""The user-data rules deployVirtualMachine, updateVirtualMachine and resetUserDataForVirtualMachine apply."""
import base64

import pytest

from cloudsim.core import userdata
from cloudsim.errors import CloudStackError


def check(text, method="GET", max_length=32768):
    return userdata.validate_userdata(text, method, max_length)


def error_of(*args, **kwargs) -> str:
    with pytest.raises(CloudStackError) as info:
        check(*args, **kwargs)
    assert info.value.code == 431
    return info.value.text


def test_nothing_given_means_no_user_data():
    assert check(None) is None
    assert check("") is None
    assert check("   ") is None


def test_valid_base64_comes_back_normalised():
    assert check(base64.b64encode(b"#!/bin/sh\necho hi\n").decode()) == base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    assert check("aGVsbG8") == "aGVsbG8="                      # padding restored
    assert check("aGVs\nbG8=") == "aGVsbG8="                    # line breaks ignored
    assert check("aGVsbG8%3D") == "aGVsbG8="                    # URL-encoded once more
    assert check("-_-_") == base64.b64encode(base64.urlsafe_b64decode("-_-_")).decode()


def test_not_base64():
    assert error_of("#cloud-config") == "User data is not base64 encoded."
    assert error_of("a b*c") == "User data is not base64 encoded."


def test_too_short():
    assert error_of("====") == "User data is too short."
    assert error_of("a") == "User data is too short."


def test_get_and_post_limits():
    at_get_limit = base64.b64encode(b"x" * 3072).decode()       # 4096 characters
    assert check(at_get_limit, "GET")
    over_get = base64.b64encode(b"x" * 3075).decode()           # 4100 characters
    assert error_of(over_get, "GET") == "User data is too long for http GET request"
    assert check(over_get, "POST") == over_get
    over_post = base64.b64encode(b"x" * 786435).decode()        # 1048580 characters
    assert error_of(over_post, "POST", max_length=2_000_000) == "User data is too long for http POST request"


def test_configured_limit_applies_to_the_encoded_text():
    text = base64.b64encode(b"x" * 30).decode()                 # 40 characters
    assert check(text, max_length=40) == text
    assert error_of(text, max_length=39) == "User data has exceeded configurable max length: 39"


def test_finalize_picks_one_source():
    stored = {"user_data": "c3RvcmVk"}
    assert userdata.finalize(None) is None
    assert userdata.finalize("aGk=") == "aGk="
    assert userdata.finalize(None, stored) == "c3RvcmVk"
    with pytest.raises(CloudStackError) as info:
        userdata.finalize("aGk=", stored)
    assert info.value.text == "Both userdata and userdata ID inputs are not allowed, please provide only one"


def test_params_may_not_name_router_metadata_files():
    userdata.check_params(None)
    userdata.check_params("role,zone")
    with pytest.raises(CloudStackError) as info:
        userdata.check_params("vm-id,role")
    assert info.value.text == "Params passed here have a few virtual router metadata file names [vm-id]"


def test_decode():
    assert userdata.decode("aGVsbG8=") == b"hello"


def test_in_use_checks_only_know_vms_and_templates():
    with pytest.raises(ValueError):
        userdata.register_in_use_check("volume", lambda db, i: None)
