# Long calls release the GIL, and Ctrl-C (SIGINT) stops a solve with
# KeyboardInterrupt at the next iteration.
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import ismooth


def test_gil_is_released_during_a_solve(photo):
    """This thread ticks while another one solves: between the callbacks of
    iterations 0 and 1 (one IRLS iteration on 128 x 128 pixels, in C++) it
    must tick. With the switch interval raised, Python forces no switches,
    so this thread can run then only if the solver gave up the GIL."""
    ticks = [0]
    at = {}
    finished = threading.Event()

    def callback(record):
        at[record["iteration"]] = ticks[0]

    def work():
        try:
            at["result"] = ismooth.solve(photo, "irls", energy="l2", iterations=2, callback=callback)
        finally:
            finished.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        while not finished.is_set():
            ticks[0] += 1
            time.sleep(0.001)  # gives the GIL to the worker's callbacks
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert at["result"][1]["iterations"] == 2
    assert at[1] - at[0] >= 3, "no progress during an iteration: the GIL was held"


def test_ctrl_c_interrupts_a_solve(photo):
    started = threading.Event()
    count = []

    def callback(record):
        count.append(record["iteration"])
        started.set()

    def interrupt():
        started.wait(60)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        ismooth.solve(photo, "adam", iterations=100000, callback=callback)
    assert 1 <= len(count) < 100000


def test_ctrl_c_interrupts_minimize():
    calls = []

    def fun(x):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return float(x @ x), 2 * x

    with pytest.raises(KeyboardInterrupt):
        ismooth.minimize(fun, np.ones(4), solver="adam", iterations=100000, learning_rate=1e-6)
    assert len(calls) < 100
