"""Replace a shipped model by a continuation of its training, keeping the whole training record.

A model trained in stages (say 6 epochs, then 40 more from that checkpoint at a lower learning rate,
or a stage that grew it wider) should still have one card that tells its full story: every stage's
settings, the total epochs and wall time, and one history.  The continuation is trained to ``models/training/<name>_longer.pt``;
``promote`` folds it into ``models/<name>.pt`` (checkpoint, resumable state and log) and clears the
card's measured tables, which described the old weights, so the benchmarks refill them.  The shipped
state keeps the weights, RNG and progress but not Adam's moments (twice the weights' size): the
promoted stage is finished, so ``--resume`` only sees that it is done, and the next stage starts
from the checkpoint with ``--init`` and fresh moments anyway.
"""

import json
from pathlib import Path

import torch

from semjscc.codec.card import training_stages
from semjscc.codec.checkpoint import CheckpointError, load_model, read_checkpoint, save_checkpoint

ARCHITECTURE_KEYS = ("arch", "k_over_n", "width", "blocks")
SIZE_KEYS = ("width", "blocks")


def _check_continuation(candidate: Path, shipped: Path, new: dict, old: dict) -> None:
    """Same architecture, trained from the shipped weights; a grown continuation (``--grow``) may be larger."""
    grown = new.get("meta", {}).get("training", {}).get("grow", False)
    for key in ARCHITECTURE_KEYS:
        if grown and key in SIZE_KEYS:
            continue
        if old["model"].get(key) != new["model"].get(key):
            raise CheckpointError(f"{candidate} cannot replace {shipped}: {key} is {new['model'].get(key)!r}, "
                                  f"the shipped model has {old['model'].get(key)!r}")
    init = new.get("meta", {}).get("training", {}).get("init")
    if not init or Path(init).stem != shipped.stem:
        raise CheckpointError(f"{candidate} was not trained from {shipped.name} (its init is {init!r}); "
                              "only a continuation of the shipped model can take its place")


def promote(candidate, shipped) -> dict:
    """Write ``candidate``'s weights into ``shipped`` with the stages and histories of both; returns the meta."""
    candidate, shipped = Path(candidate), Path(shipped)
    old, new = read_checkpoint(shipped), read_checkpoint(candidate)
    _check_continuation(candidate, shipped, new, old)
    old_meta, new_meta = old.get("meta", {}), new.get("meta", {})
    earlier_epochs = sum(stage.get("epochs_done", 0) for stage in training_stages(old_meta))
    history = list(old_meta.get("history", []))
    history += [{**row, "epoch": row["epoch"] + earlier_epochs} for row in new_meta.get("history", [])]
    meta = {**new_meta, "stages": training_stages(old_meta) + training_stages(new_meta), "history": history}
    model, _ = load_model(candidate)
    save_checkpoint(shipped, model, meta)
    _merge_files(candidate, shipped, earlier_epochs)
    _clear_measurements(shipped)
    return meta


def _merge_files(candidate: Path, shipped: Path, earlier_epochs: int) -> None:
    """The resumable state follows the weights (without the optimizer's moments); the log gets the new
    rows, numbered on from the old ones."""
    state_file = candidate.with_suffix(".state.pt")
    if state_file.is_file():
        state = torch.load(state_file, map_location="cpu", weights_only=True)
        state["optimizer"]["state"] = {}
        state.pop("average", None)  # a run with --ema ships the average: the state holds those weights now
        state["state_dict"] = read_checkpoint(shipped)["state_dict"]
        torch.save(state, shipped.with_suffix(".state.pt"))
    new_log = candidate.with_suffix(".log.jsonl")
    if new_log.is_file():
        rows = [json.loads(line) for line in new_log.read_text().splitlines() if line.strip()]
        with open(shipped.with_suffix(".log.jsonl"), "a") as log:
            for row in rows:
                log.write(json.dumps({**row, "epoch": row["epoch"] + earlier_epochs}) + "\n")


def _clear_measurements(shipped: Path) -> None:
    card = shipped.with_suffix(".json")
    if card.is_file():
        content = json.loads(card.read_text())
        content.pop("measured", None)
        content.pop("notes", None)
        card.write_text(json.dumps(content, indent=2) + "\n")
