import re
import threading

import pytest

from keras_redact import io


def test_fresh_dir_takes_a_new_or_empty_folder_and_refuses_one_with_files(tmp_path):
    assert io.fresh_dir(tmp_path / "a" / "b").is_dir()
    assert io.fresh_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"  # empty: accepted
    (tmp_path / "a" / "b" / "metrics.json").write_text("{}")
    with pytest.raises(FileExistsError, match="output directory .*b exists and is not empty"):
        io.fresh_dir(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b" / "metrics.json").read_text() == "{}"


def test_output_dir_uses_the_given_folder_or_a_new_timestamped_one(tmp_path):
    given = io.output_dir(str(tmp_path / "mine"), "redact", parent=tmp_path / "runs")
    assert given == tmp_path / "mine" and given.is_dir()
    made = io.output_dir(None, "redact", parent=tmp_path / "runs")
    assert made.parent == tmp_path / "runs"
    assert re.fullmatch(r"redact-\d{8}-\d{6}(-\d+)?", made.name)


def test_output_dirs_made_at_once_are_all_different(tmp_path):
    # Parallel jobs started in the same second each get their own folder (-2, -3, ...).
    made, barrier = [], threading.Barrier(8)

    def make():
        barrier.wait()
        made.append(io.output_dir(None, "bench", parent=tmp_path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 8 and len(set(made)) == 8
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)
    assert any(p.name.endswith("-2") for p in made)


def test_claimed_dir_is_removed_when_the_job_fails_before_writing(tmp_path):
    with pytest.raises(ValueError, match="bad flag"):
        with io.claimed_dir("bench", parent=tmp_path) as path:
            assert path.is_dir() and path.parent == tmp_path
            raise ValueError("bad flag")
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_claimed_dir_keeps_a_folder_the_job_wrote_to(tmp_path):
    with pytest.raises(RuntimeError):
        with io.claimed_dir("bench", parent=tmp_path) as path:
            (path / "history.csv").write_text("epoch\n")
            raise RuntimeError("stopped half-way")
    assert (path / "history.csv").read_text() == "epoch\n"
    with io.claimed_dir("bench", parent=tmp_path) as done:
        pass
    assert done.is_dir() and done != path
