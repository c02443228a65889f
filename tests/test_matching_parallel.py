"""The normalising pool: pooled features equal one process's; small jobs start no process."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from vetline.errors import InputError
from vetline.matching import parallel, stages
from vetline.matching.features import build_feature_table, build_feature_tables, build_features
from vetline.synth import generate

PERSON = ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone"]


def _read(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = raw.reindex(columns=PERSON)
    return frame.where(frame.notna() & (frame != ""), None)


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> list[pd.DataFrame]:
    out = tmp_path_factory.mktemp("synth")
    generate(out, members=1500, applicants=600, seed=3)
    members = _read(out / "members.csv")
    return [
        _read(out / "applications.csv"),
        members,
        members[["id", "first_name", "date_of_birth"]],  # columns missing
    ]


def _single(frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, pa.Table]:
    with monkeypatch.context() as m:
        m.setenv("VETLINE_WORKERS", "1")
        return build_features(frame), build_feature_table(frame)


def test_pooled_features_equal_single_process_features(
    frames: list[pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "POOL_MIN_DISTINCT", 3)
    monkeypatch.setenv("VETLINE_WORKERS", "3")
    for frame in frames:
        expected, expected_table = _single(frame, monkeypatch)
        before = stages.cpu_time() - time.process_time()
        pooled = build_features(frame)
        assert stages.cpu_time() - time.process_time() > before  # workers ran
        pd.testing.assert_frame_equal(pooled, expected)
        assert build_feature_table(frame).equals(expected_table)


def test_frames_normalised_together_equal_each_alone(
    frames: list[pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sides of a screening share one pool (`build_feature_tables`): each table equals
    the frame's own, an empty frame included."""
    expected = [_single(frame, monkeypatch)[1] for frame in frames]
    monkeypatch.setattr(parallel, "POOL_MIN_DISTINCT", 3)
    monkeypatch.setenv("VETLINE_WORKERS", "2")
    empty = frames[0].iloc[:0]
    tables = build_feature_tables([frames[0], empty, *frames[1:]])
    assert len(tables) == len(frames) + 1
    assert tables[1].num_rows == 0
    assert tables[1].equals(build_feature_table(empty))
    for got, want in zip([tables[0], *tables[2:]], expected, strict=True):
        assert got.equals(want)


def test_a_bad_date_in_a_pooled_frame_names_its_row(
    frames: list[pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "POOL_MIN_DISTINCT", 3)
    monkeypatch.setenv("VETLINE_WORKERS", "2")
    frame = frames[0].copy()
    frame.loc[7, "date_of_birth"] = "31/02/1980"
    with pytest.raises(InputError, match="row 8: date_of_birth"):
        build_feature_table(frame)


def test_small_frames_start_no_process(
    frames: list[pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(size: int) -> None:
        raise AssertionError("a pool was started for a small frame")

    monkeypatch.setattr(parallel, "_pool", no_pool)
    monkeypatch.setenv("VETLINE_WORKERS", "4")
    build_feature_table(frames[0])  # 600 rows: far below POOL_MIN_DISTINCT


def test_workers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VETLINE_WORKERS", "0")
    assert parallel.workers() == 0
    monkeypatch.delenv("VETLINE_WORKERS")
    assert parallel.workers() >= 1
    monkeypatch.setenv("VETLINE_WORKERS", "many")
    with pytest.raises(ValueError, match="VETLINE_WORKERS"):
        parallel.workers()


def test_a_pool_that_cannot_start_falls_back_to_one_core(
    frames: list[pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_processes(size: int) -> None:
        raise OSError("no processes here")

    expected, _ = _single(frames[1], monkeypatch)
    monkeypatch.setattr(parallel, "POOL_MIN_DISTINCT", 3)
    monkeypatch.setattr(parallel, "_pool", no_processes)
    monkeypatch.setenv("VETLINE_WORKERS", "2")
    with pytest.warns(RuntimeWarning, match="one core"):
        pooled = build_features(frames[1])
    pd.testing.assert_frame_equal(pooled, expected)
