"""Which independent judge a job counts with: one rule for bin/redact and bin/evaluate."""

from keras_redact.jobs import PRETRAINED, SHIPPED_JUDGE, judge_path


def test_the_shipped_judge_only_beside_the_shipped_classifier_and_data(tmp_path):
    assert judge_path(None, None, "mnist_5k") == SHIPPED_JUDGE
    assert judge_path(None, str(PRETRAINED / "classifier.keras"), "mnist_5k") == SHIPPED_JUDGE
    assert judge_path(None, str(tmp_path / "mine.keras"), "mnist_5k") is None
    assert judge_path(None, None, str(tmp_path / "my_images")) is None
    assert judge_path(str(tmp_path / "j.keras"), None, "mnist_5k") == tmp_path / "j.keras"
    assert judge_path("", None, "mnist_5k") is None  # none asked for
