"""The error-code table."""

from okxws.protocol.errors import ERROR_CODES, LOGIN_FAILURE_CODES, error_info


def test_error_classes() -> None:
    assert all(error_info(c).auth for c in ("60009", "60024", "60032", "50113"))
    assert error_info("50011").rate_limit and error_info("60014").rate_limit
    assert error_info("50013").retryable and not error_info("51008").retryable
    assert all(error_info(c).outcome_unknown for c in ("50004", "51054", "51149"))
    assert error_info("51008_1000").code == "51008"
    assert error_info("99999").code == ""
    assert "60011" not in LOGIN_FAILURE_CODES  # "Please log in" is not a failed login
    assert {"60004", "60005", "60006", "60007", "60009", "60024", "60032"} <= LOGIN_FAILURE_CODES
    assert all(code == info.code for code, info in ERROR_CODES.items())
