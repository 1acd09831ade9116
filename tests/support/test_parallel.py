"""Jobs in worker processes come back in the jobs' order, whatever order they run in; rounding keeps configs."""

import math

from lnlib.support import parallel


def test_answers_come_back_in_the_order_of_the_jobs_in_one_and_in_two_processes():
    jobs = [1.0, 4.0, 9.0, 16.0]
    for workers in (1, 2):
        seconds = []
        answers = parallel.run_in_workers(math.sqrt, jobs, workers, order=[3, 1, 0, 2], cpu_seconds=seconds)
        assert answers == [1.0, 2.0, 3.0, 4.0] and len(seconds) == len(jobs)


def test_rounded_rounds_every_float_but_leaves_the_config_alone():
    value = {"config": {"lr": 0.123456789}, "loss": [1.23456789, None, 3], "nested": {"x": 2.000000049}}
    assert parallel.rounded(value, 6) == {
        "config": {"lr": 0.123456789},
        "loss": [1.23457, None, 3],
        "nested": {"x": 2.0},
    }
    assert math.isnan(parallel.rounded(float("nan"), 6))
