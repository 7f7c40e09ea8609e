"""Model cards (``models/<name>.json``) and the model index (``models/index.json``).

A card's ``uid`` is the model's identity (a hash of its config and weights,
``store.checkpoint.weights_id``): the header carries its low 16 bits, and a
receiver drops frames coded by any other model.
"""

import json
from pathlib import Path

from semjscc.codec.bandwidth import ratio_label
from semjscc.store.checkpoint import read_checkpoint, weights_id


def card_path(model_path) -> Path:
    return Path(model_path).with_suffix(".json")


def training_stages(meta: dict) -> list:
    """Every stage's training settings, oldest first (one stage for a model trained in one go)."""
    return list(meta.get("stages") or ([meta["training"]] if meta.get("training") else []))


def _stage_summary(stage: dict) -> dict:
    """One training stage in a line of the card: how long, how fast, at what learning rate and precision."""
    keys = ("epochs_done", "wall_time_s", "width", "blocks", "grow", "lr", "lr_min", "batch_size", "precision", "loss",
            "snr_min", "snr_max", "channel", "init", "threads", "ema", "adversarial_weight", "max_images")
    return {key: stage.get(key) for key in keys if key in stage}


def _table_key(table: dict) -> tuple:
    """A newer table replaces the one of the same data, channel, kind and allocation; an image-quality table and
    a task-accuracy table (with ``accuracy`` per row) of the same data sit side by side, and so do a rate-adaptive
    codec's tables at each budget (``allocation``)."""
    results = table.get("results") or [{}]
    return table["data"], table["channel"], "accuracy" in results[0], table.get("allocation")


def write_card(model_path, evaluations=(), notes: str = "") -> dict:
    """Card = what the checkpoint says of itself + measured tables (merged by data, channel and kind)."""
    model_path = Path(model_path)
    payload = read_checkpoint(model_path)
    meta = payload.get("meta", {})
    path = card_path(model_path)
    card = json.loads(path.read_text()) if path.is_file() else {}
    measured = {_table_key(m): m for m in card.get("measured", [])}
    for report in evaluations:
        measured[_table_key(report)] = {k: v for k, v in report.items() if k != "model"}
    training = meta.get("training", {})
    stages = training_stages(meta) or [training]
    card.update({
        "name": model_path.stem,
        "file": model_path.name,
        "uid": weights_id(payload),
        "family": meta.get("family", payload["model"].get("arch")),
        "architecture": payload["model"],
        "k_over_n": payload["model"].get("k_over_n"),
        "k_over_n_label": ratio_label(payload["model"]["k_over_n"]) if "k_over_n" in payload["model"] else None,
        "channel": meta.get("channel", "awgn"),
        "snr_range_db": meta.get("snr_range_db"),
        "training_data": training.get("train_data"),
        "training_images": training.get("train_images"),
        "epochs": sum(stage.get("epochs_done") or 0 for stage in stages),
        "epochs_planned": sum(stage.get("epochs") or 0 for stage in stages),
        "training_wall_time_s": round(sum(stage.get("wall_time_s") or 0 for stage in stages), 1),
        "training_stages": [_stage_summary(stage) for stage in stages],
        "loss": training.get("loss", "mse"),
        "semantic_weight": training.get("semantic_weight", 0.0) if training.get("loss", "mse") != "mse" else 0.0,
        "fine_tuned_from": Path(stages[0]["init"]).stem if stages[0].get("init") else None,
        "training": training,
        "measured": list(measured.values()),
    })
    if meta.get("encoder_uid"):  # a decoder for another codec's encoder: the header carries that one's uid
        card.update(encoder=meta.get("encoder"), encoder_uid=meta["encoder_uid"])
    if notes:
        card["notes"] = notes
    path.write_text(json.dumps(card, indent=2) + "\n")
    return card


def write_task_card(model_path, accuracy_rows=(), notes: str = "") -> dict:
    """Card of a task network: architecture, training, and top-1 per dataset (merged by data)."""
    model_path = Path(model_path)
    payload = read_checkpoint(model_path)
    meta = payload.get("meta", {})
    path = card_path(model_path)
    card = json.loads(path.read_text()) if path.is_file() else {}
    measured = {m["data"]: m for m in card.get("measured", [])}
    measured.update({row["data"]: row for row in accuracy_rows})
    training = meta.get("training", {})
    card.update({
        "name": model_path.stem, "file": model_path.name, "uid": weights_id(payload), "family": "task",
        "task": meta.get("task"),
        "architecture": payload["model"], "k_over_n": None, "channel": None, "snr_range_db": None,
        "training_data": training.get("train_data"), "training_images": training.get("train_images"),
        "epochs": training.get("epochs_done"), "epochs_planned": training.get("epochs"),
        "training_wall_time_s": training.get("wall_time_s"), "training": training,
        "history": meta.get("history", []), "measured": list(measured.values()),
    })
    if notes:
        card["notes"] = notes
    path.write_text(json.dumps(card, indent=2) + "\n")
    return card


def write_index(models_dir) -> list:
    """Rebuild ``index.json`` from the cards in ``models_dir``, first writing a card for any checkpoint without one."""
    models_dir = Path(models_dir)
    for checkpoint in sorted(models_dir.glob("*.pt")):
        if not checkpoint.name.endswith(".state.pt") and not card_path(checkpoint).is_file():
            is_task = read_checkpoint(checkpoint).get("meta", {}).get("family") == "task"
            (write_task_card if is_task else write_card)(checkpoint)
    index = []
    for path in sorted(models_dir.glob("*.json")):
        if path.name == "index.json":
            continue
        card = json.loads(path.read_text())
        if "file" not in card or not (models_dir / card["file"]).is_file():
            continue
        index.append({key: card.get(key) for key in ("name", "file", "uid", "family", "k_over_n", "channel",
                                                     "snr_range_db")}
                     | {"card": path.name})
    (models_dir / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    return index
