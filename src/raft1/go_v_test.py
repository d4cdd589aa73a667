"""go_v prints values as Go's %v does; the float cases are Go 1.19's own output."""

from __future__ import annotations

import pytest

from raft1.test import go_v

GO_FLOATS = [  # (value, what fmt.Printf("%v") printed)
    (100.0, "100"), (0.1, "0.1"), (1e21, "1e+21"), (1e20, "1e+20"), (1e-5, "1e-05"),
    (1e-4, "0.0001"), (123.456, "123.456"), (-2.5, "-2.5"), (0.0, "0"), (-0.0, "-0"),
    (1.0 / 3, "0.3333333333333333"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (123456789012345678901.0, "1.2345678901234568e+20"), (0.00012, "0.00012"),
    (1234567.0, "1.234567e+06"), (123456.0, "123456"), (100000.0, "100000"),
    (1000000.0, "1e+06"), (12345.678, "12345.678"),
    (float("inf"), "+Inf"), (float("-inf"), "-Inf"), (float("nan"), "NaN"),
]


@pytest.mark.parametrize("value,printed", GO_FLOATS, ids=[p for _, p in GO_FLOATS])
def test_floats_print_as_go(value: float, printed: str):
    assert go_v(value) == printed


def test_other_values_print_as_go():
    assert go_v(None) == "<nil>"
    assert go_v(True) == "true" and go_v(False) == "false"
    assert go_v([1, 2.0, "x"]) == "[1 2 x]"
    assert go_v({2: 1.5, 1: None}) == "map[1:<nil> 2:1.5]"
