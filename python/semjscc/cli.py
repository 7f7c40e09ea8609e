"""The ``semjscc`` command: train, eval, loopback, bench, info and friends."""

import argparse
import json
import sys
from pathlib import Path


def parse_snr_list(text: str) -> list:
    """'0,5,10' or '0:20:5' (start:stop:step, stop included) -> floats."""
    if ":" in text:
        start, stop, step = (float(v) for v in text.split(":"))
        count = int(round((stop - start) / step)) + 1
        return [round(start + i * step, 6) for i in range(count)]
    return [float(v) for v in text.split(",") if v.strip()]


def cmd_train(args) -> int:
    from semjscc.training import TrainConfig, Trainer

    config = TrainConfig.from_json(args.config) if args.config else TrainConfig()
    for key in TrainConfig.__dataclass_fields__:
        value = getattr(args, key, None)
        if value is not None:
            setattr(config, key, value)
    if args.snr is not None:
        config.snr_min = config.snr_max = args.snr
    trainer = Trainer(config, Path(args.out), data_root=args.data_root, device=args.device)
    if args.resume and trainer.resume():
        print(f"resumed {args.out} at epoch {trainer.epoch}/{config.epochs}", flush=True)
    trainer.run()
    print(f"saved {args.out}")
    return 0


def add_train_parser(sub) -> None:
    p = sub.add_parser("train", help="train a codec (checkpoint every epoch, resumable)")
    p.add_argument("--out", required=True, help="model checkpoint to write (.pt)")
    p.add_argument("--config", help="JSON file of training options (flags override it)")
    p.add_argument("--arch", choices=["baseline", "adaptive"])
    p.add_argument("--family", help="family recorded in the card (default: the architecture)")
    p.add_argument("--k-over-n", dest="k_over_n", type=_fraction)
    p.add_argument("--width", type=int)
    p.add_argument("--blocks", type=int)
    p.add_argument("--channel", choices=["awgn", "fading", "identity"])
    p.add_argument("--pilots", type=int, help="pilots per block for the fading channel's estimate")
    p.add_argument("--snr-min", dest="snr_min", type=float)
    p.add_argument("--snr-max", dest="snr_max", type=float)
    p.add_argument("--snr", type=float, help="train at one SNR (sets min and max)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--data")
    p.add_argument("--val-data", dest="val_data")
    p.add_argument("--init", help="start from this checkpoint's weights (fine-tuning)")
    p.add_argument("--threads", type=int)
    p.add_argument("--max-images", dest="max_images", type=int)
    p.add_argument("--resume", action="store_true", help="continue from <out>.state.pt if present")
    p.add_argument("--device", default="cpu")
    p.add_argument("--data-root", help="data folder (default: $SEMJSCC_DATA, ../shared/data, shipped sample)")
    p.set_defaults(func=cmd_train)


def _fraction(text: str) -> float:
    if "/" in text:
        num, den = text.split("/")
        return float(num) / float(den)
    return float(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="semjscc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"semjscc {args.command}: error: {err}", file=sys.stderr)
        return 2
