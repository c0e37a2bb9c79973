"""`bin/audit` on the shipped models: both attacks, three references, one table."""

import json

import pytest

from keras_redact.jobs import PRETRAINED, audit


@pytest.mark.slow
def test_audit_writes_both_attacks_for_each_generator(tmp_path):
    out = tmp_path / "audit"
    figures = audit.audit_generator(audit.AuditConfig(
        starts=16, steps=0, revival_epochs=1, steps_per_epoch=2, omega_counts=(0, 10),
        eval_samples=500, output_dir=str(out), verbose=0))
    saved = json.loads((out / "audit.json").read_text())
    assert saved == json.loads(json.dumps(figures))
    assert set(saved["rows"]) == {"audited", "pre-trained", "filter"}
    for name in ("audited", "pre-trained"):
        search = saved["rows"][name]["latent_search"]
        # No steps: success is the judge's count of random latents (about 11% of G0's).
        assert search["starts"] == 16 and search["steps"] == 0
        assert search["successes"] == search["at_start"]
        revival = saved["rows"][name]["revival"]
        assert set(revival) == {"0", "10"}
        assert all(len(run["curve"]) == 2 for run in revival.values())
        assert set(revival["0"]["epochs_to"]) == {"0.1", "0.5"}
    # The audited G is G0 here: the same starts, the same figures.
    assert saved["rows"]["audited"]["latent_search"] == \
        saved["rows"]["pre-trained"]["latent_search"]
    assert 0.05 < saved["pre-trained_invalidity"] < 0.2
    assert saved["rows"]["filter"]["revival"] == "pre-trained"
    table = (out / "audit.md").read_text()
    assert "| audited |" in table and "| filter |" in table and "as pre-trained" in table


def test_audit_refuses_bad_settings_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="labels must name at least one label"):
        audit.AuditConfig(labels=())
    audit.AuditConfig(labels=(), off_condition=True)  # a conditional GAN's Omega
    with pytest.raises(ValueError, match="starts must be a positive integer"):
        audit.AuditConfig(starts=0)
    with pytest.raises(ValueError, match="audit a pair of the same kind"):
        audit.audit_generator(audit.AuditConfig(
            generator=str(audit.CONDITIONAL / "generator.keras"),
            pretrained_generator=str(PRETRAINED / "generator.keras"),
            output_dir=str(tmp_path / "a"), verbose=0))
    with pytest.raises(ValueError, match="off_condition audits a conditional generator"):
        audit.audit_generator(audit.AuditConfig(off_condition=True,
                                                output_dir=str(tmp_path / "a"), verbose=0))
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
def test_a_conditional_generator_is_audited_per_condition(tmp_path):
    figures = audit.audit_generator(audit.AuditConfig(
        generator=str(audit.CONDITIONAL / "generator.keras"), labels=(), off_condition=True,
        starts=40, steps=3, revival_epochs=1, steps_per_epoch=2, omega_counts=(0, 10),
        eval_samples=300, output_dir=str(tmp_path / "a"), verbose=0))
    assert figures["conditional"] and figures["off_condition"]
    search = figures["rows"]["pre-trained"]["latent_search"]
    by = search["by_condition"]
    assert sum(c["starts"] for c in by.values()) == 40
    assert sum(c["successes"] for c in by.values()) == search["successes"]
    # G0 is the conditional G here (the default for a conditional audited G).
    assert figures["rows"]["audited"]["latent_search"] == search
    assert all(len(run["curve"]) == 2 for run in figures["rows"]["audited"]["revival"].values())
    table = (tmp_path / "a" / "audit.md").read_text()
    assert table.startswith("# Audit: off-condition samples")
    assert "| condition | audited | pre-trained | filter |" in table
