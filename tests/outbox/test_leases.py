"""The lease keeper and the sweep skeleton the outbox and the scan jobs share (outbox/leases.py);
their use is tested with each kind of job (tests/outbox/test_jobs.py, tests/cases/ingest/test_recovery.py)."""

import time

import pytest

from outbox import leases


class Lost(Exception):
    pass


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_keeper_renews_until_the_work_ends():
    calls = []
    with leases.LeaseKeeper(lambda: calls.append(1) or True, every=0.02, name="t", lost_error=Lost) as keeper:
        _wait(lambda: keeper.renewals >= 3)
        assert keeper.renewals >= 3 and not keeper.lost
    done = len(calls)
    time.sleep(0.1)
    assert len(calls) == done


@pytest.mark.parametrize("answer", ["false", "raise"])
def test_the_keeper_stops_once_the_lease_is_lost(answer):
    calls = []

    def renew():
        calls.append(1)
        if answer == "raise":
            raise Lost
        return False

    with leases.LeaseKeeper(renew, every=0.02, name="t", lost_error=Lost) as keeper:
        _wait(lambda: keeper.lost)
        time.sleep(0.1)
        assert keeper.lost and calls == [1] and keeper.renewals == 0


def test_a_failed_renewal_is_tried_again_at_the_next_tick():
    answers = iter([RuntimeError("database hiccup"), True, True])

    def renew():
        answer = next(answers, True)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with leases.LeaseKeeper(renew, every=0.02, name="t", lost_error=Lost) as keeper:
        _wait(lambda: keeper.renewals >= 2)
        assert keeper.renewals >= 2 and not keeper.lost
        assert keeper.call(lambda *, x: x * 2, x=21) == 42  # on the keeper's thread


@pytest.mark.django_db  # each move runs in a transaction of its own
def test_the_sweep_fails_requeues_then_redelivers_what_is_due():
    order = []

    class Lapsed:
        def __init__(self, ids):
            self.ids = ids

        def filter(self, **kw):
            return Lapsed([i for i in self.ids if (i >= 10) == ("attempts__gte" in kw)])

        def values_list(self, *a, **k):
            return self.ids

    result = leases.sweep(
        name="test",
        lapsed=Lapsed([1, 2, 10]),
        max_attempts=3,
        fail=lambda job_id: order.append(("fail", job_id)) or True,
        requeue=lambda job_id: order.append(("requeue", job_id)) or job_id == 1,
        due=lambda: order.append(("due",)) or [(7, "x"), (8, "y")],
        redeliver=lambda job_id, extra: order.append(("redeliver", job_id, extra)) or job_id == 8,
    )
    assert result == {"failed": [10], "requeued": [1], "redelivered": [8]}
    assert order == [
        ("fail", 10),
        ("requeue", 1),
        ("requeue", 2),
        ("due",),
        ("redeliver", 7, "x"),
        ("redeliver", 8, "y"),
    ]
