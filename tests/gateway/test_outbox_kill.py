"""SIGKILL the gateway in the middle of a stream of writes, restart, resubmit with the same keys:
nothing is lost and nothing reaches the department twice."""

from __future__ import annotations

from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from tests.support.outbox_kill import kill_mid_stream


def test_sigkill_mid_stream_loses_nothing_and_duplicates_nothing(
    gateway_settings: Settings, identity_provider: DevIdentityProvider
) -> None:
    result = kill_mid_stream(gateway_settings, identity_provider, writes=12, rounds=3)
    assert result.unanswered == []
    assert result.lost == []
    assert result.duplicated == []
