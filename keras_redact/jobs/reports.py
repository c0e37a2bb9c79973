"""The record and report of a redaction run: `metrics.json`'s figures and settings
(`metrics_of`, `judge_record`) and `report.md` (`markdown_report`)."""

from __future__ import annotations

from keras_redact import __version__
from keras_redact.contract import show
from keras_redact.evaluation import certificates
from keras_redact.jobs import audit
from keras_redact.models.optimizers import WarmupEMAAdam
from keras_redact.redaction import (
    methods,
)


def _lam_text(metrics: dict) -> str:
    """`0.85`, or `0.65, then 0.7 from epoch 2` for a schedule."""
    schedule = metrics.get("lam_schedule")
    if not schedule:
        return f"{metrics['lam']}"
    text = f"{schedule[0]}"
    for epoch, (previous, value) in enumerate(zip(schedule, schedule[1:]), start=2):
        if value != previous:
            text += f", then {value} from epoch {epoch}"
    return text


def _certificate_lines(metrics: dict) -> list[str]:
    """A target run's certificate and quality against the filter, for `report.md`."""
    if not metrics.get("target_invalidity"):
        return []
    cert = metrics.get("certificate")
    lines = [f"## Target: invalidity at most {metrics['target_invalidity']:g} at "
             f"{metrics['confidence']:.0%} confidence", ""]
    if cert:
        lines.append(f"**Certified** after {metrics['stopped_at_epoch']} epochs (budget "
                     f"{metrics['max_epochs']}): {cert['statement']}.")
    else:
        lines.append(f"**Not certified** within {metrics['max_epochs']} epochs; the "
                     f"delivered weights are epoch {metrics['delivered_epoch']}'s.")
    q = metrics.get("quality_vs_filter") or {}
    if q:
        lines += ["", "Against the post-hoc filter (the pre-trained G with its Omega "
                  "samples rejected), 10,000 samples each:", "",
                  "| | redacted G | filter |", "|---|---|---|"]
        if "fid" in q:
            lines.append(f"| FID to the kept data | {q['fid']:.3f} | {q['fid_filter']:.3f} |")
        lines.append(f"| Inception Score | {q['inception_score']:.3f} | "
                     f"{q['inception_score_filter']:.3f} |")
        lines += ["", f"Quality {q['quality']:.3f} (guard: at least "
                  f"{metrics['min_quality']})."]
    return [*lines, ""]


def _condition_lines(metrics: dict) -> list[str]:
    """A conditional GAN's figures under each condition (none for unconditional runs)."""
    if not metrics.get("invalidity_per_label_before"):
        return []
    lines = ["", "| condition | invalidity before | after | conditional accuracy before "
             "| after |", "|---|---|---|---|---|"]
    columns = zip(metrics["invalidity_per_label_before"],
                  metrics["invalidity_per_label_after"],
                  metrics["conditional_accuracy_per_label_before"],
                  metrics["conditional_accuracy_per_label_after"], strict=True)
    for label, (before, after, accuracy_before, accuracy_after) in enumerate(columns):
        lines.append(f"| {label} | {before:.2e} | {after:.2e} | {accuracy_before:.4f} | "
                     f"{accuracy_after:.4f} |")
    lines.append(f"| mean | {metrics['invalidity_before']:.2e} | "
                 f"{metrics['invalidity_after']:.2e} | "
                 f"{metrics['conditional_accuracy_before']:.4f} | "
                 f"{metrics['conditional_accuracy_after']:.4f} |")
    return lines


def _judge_lines(metrics: dict) -> list[str]:
    """The redacted labels counted by an independent judge beside the classifier."""
    judge = metrics.get("judge")
    if not judge:
        return []
    n = metrics["eval_samples"]
    lines = [f"Counted by an independent judge (`{judge['judge']}`), which took no part in "
             "the redaction, beside the classifier:", "",
             "| the redacted labels' samples | before | after |", "|---|---|---|"]
    for who, key in (("by the classifier", "classifier_invalidity"), ("by the judge",
                                                                     "invalidity")):
        lines.append(f"| {who} | {judge['before'][key]:.2e} | {judge['after'][key]:.2e} |")
    lines.append(f"| samples the two disagree on (of {n}) | {judge['before']['disagreements']} "
                 f"| {judge['after']['disagreements']} |")
    lines += ["", f"**{judge['message']}.**" if judge["message"] else
              "Their 95% intervals meet after redaction.", "",
              "The 64 samples the judge finds most like the redacted labels, after redaction:",
              "", "![most Omega-like, by the judge](judge_most_omega_like.png)", ""]
    return lines


def _guard_lines(metrics: dict) -> list[str]:
    """The quality guard's verdict: what it did, or that the kept classes held."""
    guard = metrics.get("quality_guard")
    if not guard:
        return []
    if guard["message"]:
        return [f"**{guard['message']}.**", ""]
    worst = max((e["drift"] for e in guard["epochs"]), default=1.0)
    return [f"Quality guard: every kept class stayed within {guard['max_ratio']:g}x of its "
            f"share under the post-hoc filter (worst {worst:.2f}x).", ""]


def _contract_lines(metrics: dict) -> list[str]:
    """What was found about the models (keras_redact.contract), one line each."""
    found = metrics.get("model_contract")
    if not found:
        return []
    lines = ["Models as found (docs/own_models.md):", ""]
    for name, fact in found.items():
        lines.append(f"- {name.replace('_', ' ')}: {show(fact['value'])} ({fact['how']})")
    return [*lines, ""]


def _summary(metrics: dict) -> str:
    """One sentence: what was redacted, by which method and recipe, with which values."""
    presets_given = {k: v for k, v in (metrics.get("presets") or {}).items()
                     if v is not None and k != "off_condition"}
    what = [f"labels {metrics['labels']}"] if metrics["labels"] else []
    if what and metrics.get("conditions"):
        what[0] += f" under conditions {metrics['conditions']}"
    what += [f"{k} = {v}" for k, v in presets_given.items()]
    if (metrics.get("presets") or {}).get("off_condition"):
        what.append("off-condition samples")
    return (
        f"Redacted {', '.join(what)} with the {metrics['method']}-based method for "
        f"{metrics['epochs']} epochs"
        + (f", recipe {metrics['recipe']}" if metrics.get("recipe") else "")
        + f" (lam {_lam_text(metrics)}, alpha+ {metrics['alpha_plus']}, "
        f"alpha- {metrics['alpha_minus']}, K_G {metrics.get('g_steps')}"
        + (", discriminator frozen" if metrics.get("freeze_discriminator") else "")
        + (", D alone on p_Omega" if metrics.get("guide_omega") is False else "")
        + (f", Omega described by the classifier {metrics['redaction_classifier']}"
           if metrics.get("redaction_classifier") else "")
        + (f", Adam learning rates G {metrics['g_learning_rate']:g} / D "
           f"{metrics['d_learning_rate']:g}" if "g_learning_rate" in metrics else "")
        + (f", G the moving average of its weights (momentum {metrics['g_ema_momentum']:g}"
           + (", warmed up" if metrics.get("g_ema_warmup") else "")
           + (f", from epoch {metrics['g_ema_start_epochs'] + 1}"
              if metrics.get("g_ema_start_epochs") else "") + ")"
           if metrics.get("g_ema_momentum") else "")
        + f") on {metrics['dataset']}; seed {metrics['seed']}.")


def markdown_report(metrics: dict) -> str:
    """A run's Markdown report: what was redacted, the figures, and the pictures."""
    def sci(value):
        return "-" if value is None else f"{value:.2e}"

    lines = [
        f"# Redaction run `{metrics['output_dir']}`",
        "",
        _summary(metrics),
        "",
        f"| measure ({metrics['eval_samples']} samples) | before | after |",
        "|---|---|---|",
        f"| invalidity | {sci(metrics['invalidity_before'])} | "
        f"{sci(metrics['invalidity_after'])} |",
        f"| invalidity 95% interval | [{sci(metrics['invalidity_ci_before'][0])}, "
        f"{sci(metrics['invalidity_ci_before'][1])}] | [{sci(metrics['invalidity_ci_after'][0])}, "
        f"{sci(metrics['invalidity_ci_after'][1])}] |",
    ]
    for name, value in (metrics.get("invalidity_parts_before") or {}).items():
        lines.append(f"| invalidity, {name} only | {sci(value)} | "
                     f"{sci(metrics['invalidity_parts_after'][name])} |")
    lines += [
        f"| Inception Score | {metrics['inception_score_before']:.3f} | "
        f"{metrics['inception_score_after']:.3f} |",
        *(f"| IS part: {name} | {metrics['inception_score_parts_before'][key]:.3f} | "
          f"{metrics['inception_score_parts_after'][key]:.3f} |"
          for key, name in (("classes", "effective number of classes"),
                            ("confidence", "confidence, exp(-mean entropy)"))
          if metrics.get("inception_score_parts_before")),
        *_condition_lines(metrics),
        "",
        f"Invalidity after each epoch ({metrics['monitor_samples']} samples): "
        + ", ".join(sci(v) for v in metrics["invalidity_per_epoch"]),
        "",
        f"Time: {metrics['seconds']} s in all, {metrics['fit_seconds']} s training"
        + (f", of which {metrics['train_seconds']} s in the epochs themselves (without the "
           "per-epoch measurement and grids)" if "train_seconds" in metrics else "")
        + f" ({metrics['replicas']} replica(s), {metrics['mixed_precision']}, "
        f"XLA {'on' if metrics['jit_compile'] else 'off'}).",
        "",
        *_certificate_lines(metrics),
        *_judge_lines(metrics),
        *_guard_lines(metrics),
        *_contract_lines(metrics),
        *_audit_lines(metrics),
        "Before (left) and after (right), same latents:",
        "",
        "![before and after](before_after.png)",
        "",
        "![invalidity per epoch](invalidity.png)",
        "",
    ]
    if metrics.get("export"):
        lines += [f"Exported for TF Serving: `{metrics['export']}`.", ""]
    return "\n".join(lines)


def _audit_lines(metrics: dict) -> list[str]:
    """The audit's table (`jobs.audit.markdown`) under a heading of the report's level."""
    figures = metrics.get("audit")
    if not figures:
        return []
    table = audit.markdown(figures).splitlines()
    return [f"## {table[0].lstrip('# ')}", *table[1:], "",
            "The certificate and the invalidity cover random latents; the audit measures an "
            "attacker who holds the weights (`docs/redaction.md`). Found samples: "
            "`audit/audit_found.png`.", ""]


def metrics_of(config, recipe, settings, omega, data, trained, before, after, output,
               distilled_f, seconds) -> dict:
    """The figures and settings of a run, as `metrics.json` holds them."""
    return {**_settings_record(config, recipe, settings, omega, data, trained, distilled_f),
            **_figures_record(config, before, after),
            **_run_record_of(config, settings, omega, data, trained, output, seconds)}


def _settings_record(config, recipe, settings, omega, data, trained, distilled_f) -> dict:
    """What was redacted and how: the method, Omega's parts and the recipe's values."""
    model = trained.model
    parts = omega.parts
    return {
        "method": methods.of(omega.redaction_set).name,
        "labels": list(config.what.redacted_labels),
        "presets": {"boundary_margin": config.what.boundary_margin,
                    "boundary_threshold": (parts["boundary"].validity_fn.threshold
                                           if "boundary" in parts else None),
                    "ambiguity_tau": config.what.ambiguity_tau,
                    "attributes": config.what.attributes,
                    **({"off_condition": config.what.off_condition} if data.conditional else {})},
        "conditional": data.conditional,
        "conditions": (list(config.what.conditions) if config.what.conditions
                       else None),
        "freeze_discriminator": config.what.freeze_discriminator,
        "recipe": recipe,
        # The epochs run (a target run stops when it is certified).
        "epochs": len(trained.monitor.values) - 1,
        "steps_per_epoch": config.training.steps_per_epoch_of(omega.kept),
        # The first epoch's lam; lam_schedule: each epoch's, the last one for the rest.
        "lam": settings.lam,
        "lam_schedule": list(settings.lam_schedule) if settings.lam_schedule else None,
        "alpha_plus": model.alpha_plus, "alpha_minus": model.alpha_minus,
        "g_steps": model.g_steps, "d_steps": model.d_steps, "guide_omega": model.guide_omega,
        # What the optimizers hold (float32), to 6 significant digits: 1e-4, not 9.99e-05.
        "g_learning_rate": float(f"{float(model.g_optimizer.learning_rate):.6g}"),
        "d_learning_rate": float(f"{float(model.d_optimizer.learning_rate):.6g}"),
        **_average_of(model.g_optimizer),
        "g_ema_start_epochs": settings.g_ema_start_epochs if settings.g_ema_momentum else None,
        "g_updates": int(model.g_optimizer.iterations.numpy()),
        "tau": settings.tau if config.what.method == "classifier" else None,
        "redaction_classifier": (str(settings.redaction_classifier_path()) if distilled_f
                                 else None),
        "queries_per_round": (settings.queries_per_round if config.what.method == "validity"
                              else None),
        "first_round_queries": (settings.first_round_queries if config.what.method == "validity"
                                else None),
        "search_feed": settings.search_feed,
        "search_feed_finds": trained.feed.finds if trained.feed else None,
    }


def _figures_record(config, before, after) -> dict:
    """The measurements before and after (`evaluation.measure`)."""
    return {
        "eval_samples": config.output.eval_samples,
        "invalidity_before": before["invalidity"],
        "invalidity_after": after["invalidity"],
        "before_cached": bool(before.get("cached")),
        "invalidity_ci_before": before["invalidity_ci"],
        "invalidity_ci_after": after["invalidity_ci"],
        "inception_score_before": before["inception_score"],
        "inception_score_after": after["inception_score"],
        # IS = classes x confidence (`quality.inception_score_parts_from_logits`).
        "inception_score_parts_before": before["inception_score_parts"],
        "inception_score_parts_after": after["inception_score_parts"],
        "class_shares_before": before["class_shares"],
        "class_shares_after": after["class_shares"],
        "invalidity_parts_before": before.get("invalidity_parts"),
        "invalidity_parts_after": after.get("invalidity_parts"),
        **_conditional_figures(before, after),
    }


def _run_record_of(config, settings, omega, data, trained, output, seconds) -> dict:
    """How the run went: per-epoch invalidity, queries, times, where it wrote."""
    model, rounds, timer = trained.model, trained.rounds, trained.timer
    return {
        "invalidity_per_epoch": trained.monitor.values,
        "monitor_samples": config.training.monitor_samples,
        "redaction_samples": int(model.redaction_count.numpy()),
        # v on the training data, then each round's queries.
        "validity_queries": (len(data.images) + getattr(omega.redaction_set, "candidate_queries", 0)
                             + sum(r["queries"] for r in rounds.history)
                             if rounds else None),
        "fit_seconds": round(trained.fit_seconds, 1),
        # A resumed run: the epochs the killed run had finished (None: not resumed).
        "resumed_from_epoch": trained.resumed_epochs or None,
        # The epochs alone: fit without the per-epoch monitor and sample grids.
        "train_seconds": round(timer.seconds, 1),
        # Each epoch's share of it; the first includes tracing and compiling the step.
        "train_epoch_seconds": [round(t, 2) for t in timer.epoch_seconds],
        # The same epochs in the process's CPU time (all threads).
        "train_epoch_cpu_seconds": [round(t, 2) for t in timer.epoch_cpu_seconds],
        "seconds": round(seconds, 1),
        "seed": config.training.seed,
        "dataset": config.inputs.dataset,
        "strategy": config.training.strategy,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "mixed_precision": config.training.mixed_precision,
        "jit_compile": bool(model.jit_compile),  # "auto" as Keras resolved it
        "keras_redact_version": __version__,
        "output_dir": str(output),
        "export": None,
        **_target_metrics(config, settings, trained.stop),
    }


def _target_metrics(config, settings, stop) -> dict:
    """A target run's certificate, budget and quality against the filter."""
    if stop is None:
        return {"target_invalidity": None, "certificate": None}
    delivered = next((c for c in stop.history if c["epoch"] == stop.best_epoch), None)
    return {
        "target_invalidity": config.target.target_invalidity,
        "confidence": config.target.confidence,
        "max_epochs": settings.epochs,
        "min_quality": config.target.min_quality,
        "certified": stop.certificate is not None,
        "certificate": stop.certificate.as_dict() if stop.certificate else None,
        "certification_samples": certificates.certification_samples(config.target.target_invalidity,
                                                               config.target.confidence),
        "minimum_samples": certificates.minimum_samples(config.target.target_invalidity,
                                                   config.target.confidence),
        "stopped_at_epoch": len(stop.history),
        "delivered_epoch": stop.best_epoch,
        "quality_vs_filter": ({k: delivered[k] for k in delivered
                               if k not in ("epoch", "certificate")} if delivered else None),
        "checks": stop.history,
    }


JUDGE_GRID_FILE = "judge_most_omega_like.png"


def judge_record(judge, before: dict, after: dict) -> dict | None:
    """`metrics.json`'s `judge`: the label parts counted by the classifier and the judge
    before and after, and one line when their intervals do not meet after redaction
    (a generator that fools the classifier: the paper's App. H)."""
    if "judge" not in after:
        return None
    judged = after["judge"]
    more = judged["invalidity"] > judged["classifier_invalidity"]
    message = None if judged["intervals_meet"] else (
        f"The judge counts {judged['invalidity']:.3g} of the redacted labels' samples, the "
        f"classifier {judged['classifier_invalidity']:.3g}: their 95% intervals do not "
        "meet; " + ("the generator may draw samples that fool the classifier (App. H)"
                    if more else "the classifier is the stricter count here")
        + f"; see {JUDGE_GRID_FILE}")
    return {"judge": str(judge), "before": before["judge"],
            "after": judged, "message": message}


def _conditional_figures(before: dict, after: dict) -> dict:
    """A conditional G's per-label invalidity and conditional accuracy, before and after."""
    if "invalidity_per_label" not in before:
        return {}
    return {f"{key}_{when}": figures[key]
            for key in ("invalidity_per_label", "conditional_accuracy",
                        "conditional_accuracy_per_label")
            for when, figures in (("before", before), ("after", after))}


def _average_of(optimizer) -> dict:
    """The moving average of the weights G's `optimizer` keeps, as metrics.json records it.

    Read back from the optimizer (inside a `LossScaleOptimizer` under mixed_float16):
    `g_ema_momentum` (0.0 without an average; to 6 significant digits), `g_ema_warmup`
    (whether it is a `WarmupEMAAdam`) and `g_ema_start_update` (its `ema_start`), both
    None without an average.
    """
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if not optimizer.use_ema:
        return {"g_ema_momentum": 0.0, "g_ema_warmup": None, "g_ema_start_update": None}
    warmup = isinstance(optimizer, WarmupEMAAdam)
    return {"g_ema_momentum": float(f"{float(optimizer.ema_momentum):.6g}"),
            "g_ema_warmup": warmup, "g_ema_start_update": optimizer.ema_start if warmup else None}

