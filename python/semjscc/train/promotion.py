"""Replace a shipped model by a continuation of its training, keeping the whole training record.

A model trained in stages (say 6 epochs, then 40 more from that checkpoint at a lower learning rate,
or a stage that grew it wider) should still have one card that tells its full story: every stage's
settings, the total epochs and wall time, and one history.  The continuation is trained to ``models/training/<name>_longer.pt``;
``promote`` folds it into ``models/<name>.pt`` (checkpoint and log) and clears the card's measured
tables, which described the old weights, so the benchmarks refill them.  No training state ships
(a stale one beside the shipped model is removed):
the promoted stage is finished, and the next stage starts from the checkpoint with ``--init``.
"""

import json
from pathlib import Path

from semjscc.codec.card import training_stages
from semjscc.codec.checkpoint import load_model, save_checkpoint
from semjscc.store.checkpoint import CheckpointError, read_checkpoint

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
    _merge_log(candidate, shipped, earlier_epochs)
    shipped.with_suffix(".state.pt").unlink(missing_ok=True)  # it held the old weights
    _clear_measurements(shipped)
    return meta


def _merge_log(candidate: Path, shipped: Path, earlier_epochs: int) -> None:
    """The shipped log gets the continuation's rows, numbered on from the old ones."""
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
