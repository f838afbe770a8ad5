import base64
import json

import altcha
import pytest

from accounts import robot_check
from accounts.app_settings import app_settings
from accounts.robot_check import RobotCheckError, RobotCheckFailure


def solved_payload() -> str:
    challenge = altcha.Challenge.from_dict(robot_check.create_challenge())
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def reason(payload) -> RobotCheckFailure:
    with pytest.raises(RobotCheckError) as exc_info:
        robot_check.verify_solution(payload)
    return exc_info.value.reason


def test_a_solved_challenge_is_accepted_once():
    payload = solved_payload()
    robot_check.verify_solution(payload)
    assert reason(payload) == RobotCheckFailure.REPLAYED


@pytest.mark.parametrize("payload", [None, ""])
def test_a_missing_solution_is_refused(payload):
    assert reason(payload) == RobotCheckFailure.MISSING


def test_garbage_is_refused():
    assert reason("not base64 at all") == RobotCheckFailure.INVALID


def test_a_wrong_counter_is_refused():
    data = json.loads(base64.b64decode(solved_payload()))
    data["solution"]["counter"] += 1
    assert reason(base64.b64encode(json.dumps(data).encode()).decode()) == (
        RobotCheckFailure.INVALID
    )


def test_a_challenge_signed_with_another_key_is_refused():
    forged = altcha.create_challenge(
        algorithm="PBKDF2/SHA-256", cost=10, hmac_secret="not-our-secret", key_prefix="0"
    )
    payload = altcha.Payload(forged, altcha.solve_challenge(forged)).to_base64()
    assert reason(payload) == RobotCheckFailure.INVALID


def test_easier_parameters_under_our_signature_are_refused():
    data = json.loads(base64.b64decode(solved_payload()))
    data["challenge"]["parameters"]["keyPrefix"] = ""
    assert reason(base64.b64encode(json.dumps(data).encode()).decode()) == (
        RobotCheckFailure.INVALID
    )


def test_an_expired_challenge_is_refused(time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    payload = solved_payload()
    time_machine.shift(app_settings.ALTCHA_EXPIRY_SECONDS + 1)
    assert reason(payload) == RobotCheckFailure.EXPIRED


def test_a_used_challenge_is_remembered_until_it_expires(time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    payload = solved_payload()
    robot_check.verify_solution(payload)
    time_machine.shift(app_settings.ALTCHA_EXPIRY_SECONDS - 5)
    assert reason(payload) == RobotCheckFailure.REPLAYED
