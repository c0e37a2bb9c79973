"""The Markdown report of a redaction run (`report.md`)."""

from __future__ import annotations

from keras_redact.contract import show


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


def markdown_report(metrics: dict) -> str:
    """A run's Markdown report: what was redacted, the figures, and the pictures."""
    def sci(value):
        return "-" if value is None else f"{value:.2e}"

    presets_given = {k: v for k, v in (metrics.get("presets") or {}).items()
                     if v is not None and k != "off_condition"}
    what = [f"labels {metrics['labels']}"] if metrics["labels"] else []
    if what and metrics.get("conditions"):
        what[0] += f" under conditions {metrics['conditions']}"
    what += [f"{k} = {v}" for k, v in presets_given.items()]
    if (metrics.get("presets") or {}).get("off_condition"):
        what.append("off-condition samples")
    lines = [
        f"# Redaction run `{metrics['output_dir']}`",
        "",
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
        + f") on {metrics['dataset']}; seed {metrics['seed']}.",
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
