"""The exec channel protocol: frames and the final status."""

from __future__ import annotations

import json

import pytest

from kubectl_dshell.channels import ExitStatus, close_frame, exit_status, frame, resize_frame, split


def test_frames_carry_the_channel_byte_first() -> None:
    assert frame(0, b"\x00\xffdata") == b"\x00\x00\xffdata"
    assert close_frame(0) == b"\xff\x00"
    assert json.loads(resize_frame(120, 40)[1:]) == {"Width": 120, "Height": 40}
    assert resize_frame(120, 40)[0] == 4
    assert split(b"\x02oops") == (2, b"oops")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (b'{"metadata":{},"status":"Success"}', ExitStatus(0)),
        (
            b'{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 3",'
            b'"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
            ExitStatus(3),
        ),
        (
            b'{"metadata":{},"status":"Failure","message":"exec: \\"nope\\": executable file not found in $PATH",'
            b'"reason":"InternalError","code":500}',
            ExitStatus(None, 'exec: "nope": executable file not found in $PATH'),
        ),
        (b"", None),
    ],
)
def test_exit_status_reads_channel_three(status: bytes, expected: ExitStatus | None) -> None:
    assert exit_status(status) == expected
