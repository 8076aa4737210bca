"""The "latest request wins" worker: newest served, stale requests dropped, errors delivered, cooperative
cancel, close joins within its limit, and every outcome arrives on the GUI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from analysis.errors import MediaError
from analysis.progress import Cancelled
from app.gui.workers import LatestPerKeyWorker, LatestRequestWorker

pytestmark = pytest.mark.usefixtures("no_threads_left")

WAIT_S = 5


class Gate:
    """Holds the work of chosen requests until the test opens it, and tells when such a request started."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.opened = threading.Event()

    def hold(self) -> None:
        self.started.set()
        assert self.opened.wait(WAIT_S), "the test never opened the gate"


@pytest.fixture
def workers(qtbot) -> Iterator[Callable[..., LatestRequestWorker]]:
    """Makes workers and closes them after the test."""
    made: list[LatestRequestWorker] = []

    def make(work, cls=LatestRequestWorker, **kwargs) -> LatestRequestWorker:
        worker = cls(work, name="test-worker", **kwargs)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.close(2000)


def collect(worker: LatestRequestWorker) -> tuple[list[tuple[object, object]], list[tuple[object, str]]]:
    results: list[tuple[object, object]] = []
    errors: list[tuple[object, str]] = []
    worker.result.connect(lambda request, value: results.append((request, value)))
    worker.error.connect(lambda request, message: errors.append((request, message)))
    return results, errors


def test_the_newest_request_wins_and_the_stale_ones_never_run(qtbot, workers) -> None:
    gate, ran = Gate(), []

    def work(request: int, cancelled: Callable[[], bool]) -> int:
        ran.append(request)
        if request == 1:
            gate.hold()
        return request * 10

    worker = workers(work)
    results, errors = collect(worker)
    assert not worker.running, "no thread before the first request"
    worker.submit(1)
    assert gate.started.wait(WAIT_S)
    for request in (2, 3, 4):
        worker.submit(request)
    assert not worker.idle
    with qtbot.waitSignal(worker.result, check_params_cb=lambda request, value: request == 4, timeout=5000):
        gate.opened.set()
    assert ran == [1, 4]
    assert results == [(1, 10), (4, 40)], "the running request is still delivered, then the newest"
    assert errors == []
    assert worker.idle


def test_results_and_errors_arrive_on_the_gui_thread(qtbot, workers) -> None:
    work_threads: list[int] = []
    slot_threads: list[int] = []

    def work(request: str, cancelled: Callable[[], bool]) -> str:
        work_threads.append(threading.get_ident())
        if request == "bad":
            raise MediaError("frame 12 cannot be decoded")
        return request.upper()

    worker = workers(work)
    worker.result.connect(lambda request, value: slot_threads.append(threading.get_ident()))
    worker.error.connect(lambda request, message: slot_threads.append(threading.get_ident()))
    with qtbot.waitSignal(worker.result, timeout=5000) as blocker:
        worker.submit("ok")
    assert blocker.args == ["ok", "OK"]
    with qtbot.waitSignal(worker.error, timeout=5000) as blocker:
        worker.submit("bad")
    assert blocker.args == ["bad", "frame 12 cannot be decoded"]
    main = threading.get_ident()
    assert len(work_threads) == 2 and all(ident != main for ident in work_threads)
    assert slot_threads == [main, main]


def test_an_unexpected_error_is_named_and_the_worker_goes_on(qtbot, workers) -> None:
    def work(request: int, cancelled: Callable[[], bool]) -> int:
        if request < 0:
            raise ValueError(f"negative: {request}")
        return request

    worker = workers(work)
    with qtbot.waitSignal(worker.error, timeout=5000) as blocker:
        worker.submit(-3)
    assert blocker.args == [-3, "ValueError: negative: -3"]
    with qtbot.waitSignal(worker.result, timeout=5000) as blocker:
        worker.submit(7)
    assert blocker.args == [7, 7]
    assert worker.idle


def test_cancelled_turns_true_when_a_newer_request_waits(qtbot, workers) -> None:
    started = threading.Event()
    saw: list[str] = []

    def work(request: str, cancelled: Callable[[], bool]) -> str:
        if request == "slow":
            started.set()
            deadline = time.monotonic() + WAIT_S
            while not cancelled():
                assert time.monotonic() < deadline, "cancelled() never turned true"
                time.sleep(0.001)
            saw.append("cancelled")
            raise Cancelled
        return request

    worker = workers(work)
    results, errors = collect(worker)
    worker.submit("slow")
    assert started.wait(WAIT_S)
    with qtbot.waitSignal(worker.result, timeout=5000) as blocker:
        worker.submit("fast")
    assert blocker.args == ["fast", "fast"]
    assert saw == ["cancelled"]
    assert results == [("fast", "fast")] and errors == [], "a cancelled request delivers nothing"
    assert worker.idle


def test_close_stops_a_cooperative_function_joins_and_delivers_nothing_after(qtbot, workers) -> None:
    started = threading.Event()
    teardown_threads: list[int] = []

    def work(request: int, cancelled: Callable[[], bool]) -> int:
        started.set()
        while not cancelled():
            time.sleep(0.001)
        return request

    worker = workers(work, teardown=lambda: teardown_threads.append(threading.get_ident()))
    results, errors = collect(worker)
    worker.submit(1)
    assert started.wait(WAIT_S)
    began = time.monotonic()
    assert worker.close(2000) is True
    assert time.monotonic() - began < 1.0
    assert not worker.running
    assert len(teardown_threads) == 1 and teardown_threads[0] != threading.get_ident()
    with qtbot.assertNotEmitted(worker.result, wait=100):
        worker.submit(2)
    assert results == [] and errors == []
    assert worker.idle


def test_close_waits_no_longer_than_its_limit_for_a_function_that_ignores_cancel(qtbot, workers) -> None:
    gate = Gate()

    def work(request: int, cancelled: Callable[[], bool]) -> int:
        gate.hold()
        return request

    worker = workers(work)
    results, _ = collect(worker)
    worker.submit(1)
    assert gate.started.wait(WAIT_S)
    began = time.monotonic()
    assert worker.close(200) is False
    assert 0.15 <= time.monotonic() - began < 1.5
    assert worker.running, "the thread is left to finish its request"
    gate.opened.set()
    qtbot.waitUntil(lambda: not worker.running, timeout=5000)
    with qtbot.assertNotEmitted(worker.result, wait=50):
        pass
    assert results == []


def test_setup_runs_first_in_the_thread_and_its_value_is_announced(qtbot, workers) -> None:
    in_thread: list[tuple[str, bool]] = []
    on_gui: list[str] = []
    main = threading.get_ident()

    def setup() -> str:
        in_thread.append(("setup", threading.get_ident() != main))
        return "opened"

    def work(request: int, cancelled: Callable[[], bool]) -> int:
        in_thread.append((f"work {request}", threading.get_ident() != main))
        return request

    worker = workers(work, setup=setup)
    worker.ready.connect(lambda value: on_gui.append(f"ready {value}"))
    worker.result.connect(lambda request, value: on_gui.append(f"result {value}"))
    with qtbot.waitSignal(worker.result, timeout=5000):
        worker.submit(1)
    assert in_thread == [("setup", True), ("work 1", True)]
    assert on_gui == ["ready opened", "result 1"]


def test_a_failed_setup_ends_the_thread_and_later_requests_are_ignored(qtbot, workers) -> None:
    def setup() -> None:
        raise MediaError("movie.mp4: the video cannot be opened")

    ran: list[int] = []
    worker = workers(lambda request, cancelled: ran.append(request), setup=setup)
    with qtbot.waitSignal(worker.setup_failed, timeout=5000) as blocker:
        worker.submit(1)
    assert blocker.args == ["movie.mp4: the video cannot be opened"]
    qtbot.waitUntil(lambda: not worker.running, timeout=5000)
    assert worker.idle
    worker.submit(2)
    assert not worker.running and worker.idle and ran == []


def test_the_keyed_variant_serves_every_key_once_with_its_newest_request(qtbot, workers) -> None:
    gate, ran = Gate(), []

    def work(request: tuple[str, int], cancelled: Callable[[], bool]) -> str:
        ran.append(request)
        if request == ("a", 1):
            gate.hold()
        return f"{request[0]}{request[1]}"

    worker = workers(work, cls=LatestPerKeyWorker, key=lambda request: request[0])
    results, _ = collect(worker)
    worker.submit(("a", 1))
    assert gate.started.wait(WAIT_S)
    for request in (("b", 1), ("c", 1), ("b", 2)):
        worker.submit(request)
    with qtbot.waitSignal(worker.result, check_params_cb=lambda request, value: request == ("c", 1), timeout=5000):
        gate.opened.set()
    assert ran == [("a", 1), ("b", 2), ("c", 1)], "keys in the order first asked, each with its newest request"
    assert [value for _, value in results] == ["a1", "b2", "c1"]
    assert worker.idle


def test_drop_pending_forgets_what_has_not_started(qtbot, workers) -> None:
    gate, ran = Gate(), []

    def work(request: int, cancelled: Callable[[], bool]) -> int:
        ran.append(request)
        if request == 1:
            gate.hold()
        return request

    worker = workers(work)
    results, _ = collect(worker)
    worker.submit(1)
    assert gate.started.wait(WAIT_S)
    worker.submit(2)
    worker.drop_pending()
    with qtbot.waitSignal(worker.result, timeout=5000):
        gate.opened.set()
    qtbot.waitUntil(lambda: worker.idle, timeout=5000)
    assert ran == [1] and results == [(1, 1)]
