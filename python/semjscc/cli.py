"""The ``semjscc`` command: train, eval, loopback, bench, info and friends."""

import argparse
import json
import math
import re
import sys
from fractions import Fraction
from pathlib import Path

# the training channels (semjscc.channel.CHANNELS), named here so that --help does not import torch
CHANNEL_NAMES = ("awgn", "fading", "identity", "ofdm")
STANDARD_SNRS = [0.0, 5.0, 10.0, 15.0, 20.0]
DEVICE_HELP = "torch device: auto (CUDA when there is one), cpu, cuda or cuda:N"
LINK_DEVICE_HELP = ("where the codecs run: auto (CUDA when there is one, else OpenVINO on the CPU when installed, "
                    "else PyTorch), cpu (PyTorch), openvino, cuda or cuda:N")
DATA_ROOT_HELP = ("data folder (default: $SEMJSCC_DATA, ../shared/data, the fetched data); "
                  "sample:<spec> names the sample shipped with the package")


def _number(text: str, what: str, low: float, high: float) -> float:
    """A finite number in [low, high], or argparse's one-line error naming ``what``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what} must lie in {low:g}..{high:g}, not {text!r}")
    return value


def snr_value(text: str) -> float:
    return _number(text, "SNR (dB)", -50.0, 60.0)


def parse_snr_list(text: str) -> list:
    """'0,5,10' or '0:20:5' (start:stop:step, stop included) -> floats, each a valid SNR."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise argparse.ArgumentTypeError(f"SNR range {text!r} must be start:stop:step")
        start, stop, step = (snr_value(v) if i < 2 else _number(v, "SNR step", -100, 100) for i, v in enumerate(parts))
        if step == 0 or (stop - start) * step < 0:
            raise argparse.ArgumentTypeError(f"SNR range {text!r} never reaches its stop with step {step:g}")
        count = int(round((stop - start) / step)) + 1
        if count > 1000:
            raise argparse.ArgumentTypeError(f"SNR range {text!r} has {count} points; at most 1000")
        return [round(start + i * step, 6) for i in range(count)]
    values = [snr_value(v) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError("no SNR given")
    return values


def weight_list(text: str) -> list:
    """'1,2,2,4' -> non-negative floats."""
    values = [_number(v, "weight", 0.0, 1e6) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError("no weight given")
    return values


def bandwidth_ratio(text: str) -> float:
    """'1/6' or '0.1667' -> a k/n in (0, 1]."""
    try:
        value = float(Fraction(text.strip())) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"k/n must be a fraction like 1/6, not {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"k/n must lie in (0, 1], not {text!r}")
    return value


def clock_ratio(text: str) -> float:
    return _number(text, "sample clock ratio (epsilon)", 0.9, 1.1)


def frequency_offset(text: str) -> float:
    return _number(text, "frequency offset (cycles/sample)", -0.5, 0.5)


def positive(what: str):
    def parse(text: str) -> float:
        value = _number(text, what, 0.0, 1e12)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{what} must be positive, not {text!r}")
        return value
    return parse


def torch_device(text: str) -> str:
    if re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", text):
        return text
    raise argparse.ArgumentTypeError(f"device must be auto, cpu, mps, cuda or cuda:N, not {text!r}")


def link_device(text: str) -> str:
    """A link end's codec device: a torch device, or ``openvino`` (inference only)."""
    return text if text == "openvino" else torch_device(text)


def link_devices(text: str) -> list:
    return [link_device(device) for device in text.split(",")]


def channel_taps(text: str) -> str:
    from semjscc.phy.taps import parse_taps

    try:
        taps = parse_taps(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not all(math.isfinite(t.real) and math.isfinite(t.imag) for t in taps) or not any(abs(t) > 0 for t in taps):
        raise argparse.ArgumentTypeError(f"channel taps {text!r} must be finite and not all zero")
    return text


def apply_overrides(config, args):
    """Copy every option given on the command line onto the dataclass ``config``."""
    for key in type(config).__dataclass_fields__:
        value = getattr(args, key, None)
        if value is not None:
            setattr(config, key, value)
    return config


def add_allocation_options(p) -> None:
    """--budget / --policy of a rate-adaptive codec (``semantic.allocation``); the frames carry the result."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--budget", default="", help="rate-adaptive codecs: 1/12 sends every image at that k/n, "
                                                   "importance:1/12 that mean shared out by concept importance, "
                                                   "random:1/12 shared out at random, policy+importance:<file> "
                                                   "a per-image policy's budgets shared out by importance "
                                                   "(default: the full rate)")
    group.add_argument("--policy", help="rate-adaptive codecs: a trained allocation agent (semjscc train-policy)")


def allocation_spec(args) -> str:
    return f"policy:{args.policy}" if args.policy else args.budget


def add_common_training_options(p) -> None:
    p.add_argument("--epochs", type=int, help="passes over the training images")
    p.add_argument("--batch-size", dest="batch_size", type=int, help="images per step")
    p.add_argument("--lr", type=float, help="peak learning rate (cosine decay to lr_min)")
    p.add_argument("--seed", type=int, help="seed of initialisation, shuffling and channel noise")
    p.add_argument("--data", help="training images (dataset spec, default cifar10:train)")
    p.add_argument("--val-data", dest="val_data", help="validation images after each epoch (a test spec)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    p.add_argument("--precision", choices=["fp32", "bf16"],
                   help="bf16: autocast to bfloat16 (1.8x faster per step on a CPU with AMX; weights stay float32)")
    p.add_argument("--resume", action="store_true", help="continue from <out>.state.pt if present")
    p.add_argument("--device", type=torch_device, default="cpu", help=DEVICE_HELP)
    p.add_argument("--data-root", help=DATA_ROOT_HELP)


def cmd_train(args) -> int:
    from semjscc.train.trainer import TrainConfig, Trainer

    config = TrainConfig.from_json(args.config) if args.config else TrainConfig()
    given = set(json.loads(Path(args.config).read_text())) if args.config else set()
    config = apply_overrides(config, args)
    inherit_size_from_init(config, given | {key for key in ("k_over_n", "width", "blocks", "groups", "region") if getattr(args, key) is not None})
    if args.snr is not None:
        config.snr_min = config.snr_max = args.snr
    trainer = Trainer(config, Path(args.out), data_root=args.data_root, device=args.device)
    if args.resume and trainer.resume() and trainer.ranks.main:
        print(f"resumed {args.out} at epoch {trainer.epoch}/{config.epochs}", flush=True)
    trainer.run()
    if trainer.ranks.main:
        print(f"saved {args.out}")
    return 0


def inherit_size_from_init(config, given: set) -> None:
    """A fine-tune or continuation of a main model keeps the size its --init has unless told otherwise; a grown
    one keeps its bandwidth (growing adds channels and blocks, never symbols)."""
    if not config.init or config.arch not in ("adaptive", "rate-adaptive"):
        return
    from semjscc.store.checkpoint import read_checkpoint

    model = read_checkpoint(config.init)["model"]
    if config.grow:
        if "k_over_n" in given and "k_over_n" in model and config.k_over_n != model["k_over_n"]:
            raise ValueError(f"--grow keeps the bandwidth of {config.init} (k/n {model['k_over_n']:.4g}), not "
                             f"{config.k_over_n:.4g}: leave out --k-over-n")
        config.k_over_n = model.get("k_over_n", config.k_over_n)
        return
    for key in ("k_over_n", "width", "blocks", "csi", "groups", "region"):
        if key not in given and key in model:
            setattr(config, key, model[key])


def add_train_parser(sub) -> None:
    p = sub.add_parser("train", help="train a codec (checkpoint every epoch, resumable)")
    p.add_argument("--out", required=True, help="model checkpoint to write (.pt)")
    p.add_argument("--config", help="JSON file of training options (flags override it)")
    p.add_argument("--arch", choices=["baseline", "adaptive", "rate-adaptive"],
                   help="baseline: one SNR per model; adaptive: SNR-conditioned (default adaptive); "
                        "rate-adaptive: SNR-conditioned at nested budgets (start it with --init from an adaptive one)")
    p.add_argument("--family", help="family recorded in the card (default: the architecture)")
    p.add_argument("--k-over-n", dest="k_over_n", type=bandwidth_ratio,
                   help="channel uses per source value, c/96 for an integer c (1/6, 1/12)")
    p.add_argument("--width", type=int, help="main model's channels (default 64, or the --init model's)")
    p.add_argument("--blocks", type=int, help="residual blocks per stage (default 1, or the --init model's)")
    p.add_argument("--channel", choices=CHANNEL_NAMES, help="training channel (default awgn)")
    p.add_argument("--pilots", type=int, help="pilots per block for the fading channel's estimate")
    p.add_argument("--snr-min", dest="snr_min", type=snr_value, help="lowest training SNR (dB), drawn uniformly")
    p.add_argument("--snr-max", dest="snr_max", type=snr_value, help="highest training SNR (dB)")
    p.add_argument("--snr", type=snr_value, help="train at one SNR (sets min and max)")
    add_common_training_options(p)
    p.add_argument("--init", help="start from this checkpoint's weights (fine-tuning)")
    p.add_argument("--grow", action="store_true", default=None,
                   help="with --init: widen/deepen that adaptive codec to --width/--blocks, same function at the start")
    p.add_argument("--csi", action="store_true", default=None,
                   help="the decoder also reads each symbol's channel gain (OFDM); with --init, pass --grow as well")
    p.add_argument("--groups", type=int, help="rate-adaptive: nested latent groups, budgets k/n x 1..groups/groups "
                                              "(default 4)")
    p.add_argument("--region", type=int, help="rate-adaptive: a concept's side in latent pixels (default 2)")
    p.add_argument("--concept-fraction", dest="concept_fraction", type=float,
                   help="rate-adaptive: share of images trained with a random depth per concept (default 0.25)")
    p.add_argument("--budget-weights", dest="budget_weights", type=weight_list,
                   help="rate-adaptive: per budget, smallest first, the share of images (sampled) or the weight "
                        "in the loss (every-budget), e.g. 1,2,2,4 (default equal)")
    p.add_argument("--budget-loss", dest="budget_loss", choices=["sampled", "every-budget"],
                   help="rate-adaptive: draw one budget per image and minimise MSE (sampled, default), or decode "
                        "every image at every budget and minimise the weighted mean error in dB (every-budget)")
    p.add_argument("--max-images", dest="max_images", type=int, help="images per epoch (0: all)")
    p.add_argument("--ema", type=float, help="ship a moving average of the weights with this decay per step (e.g. 0.999)")
    p.add_argument("--crop", type=int, help="photographs (--data wikiphotos:train, div2k:train, a folder): train on "
                                            "random crops of this side, read from disk each epoch (e.g. 256; 0: "
                                            "whole images)")
    p.add_argument("--crops-per-image", dest="crops_per_image", type=int,
                   help="with --crop: crops from each photograph at each visit (default 8)")
    p.add_argument("--visits-per-epoch", dest="visits_per_epoch", type=int,
                   help="with --crop: visits to each photograph per epoch, new crops each time (default 1)")
    p.add_argument("--workers", type=int, help="with --crop: processes decoding photographs beside training")
    p.add_argument("--loss", choices=["mse", "semantic-importance", "tosc-sr"],
                   help="distortion: MSE, or a semantic loss with --task-model (default mse)")
    p.add_argument("--task-model", dest="task_model", help="task network checkpoint for the semantic losses")
    p.add_argument("--semantic-weight", dest="semantic_weight", type=float, help="lambda of the semantic term")
    p.add_argument("--semantic-layer", dest="semantic_layer", help="task network layer the importance weights")
    p.add_argument("--importance-reduce", dest="importance_reduce", choices=["element", "channel"],
                   help="semantic importance per feature element or per channel")
    p.add_argument("--importance-norm", dest="importance_norm", choices=["mean", "max", "softmax"],
                   help="how importance weights are normalised")
    p.add_argument("--divergence", choices=["ce", "kl"], help="TOSC-SR semantic distortion")
    p.set_defaults(func=cmd_train)


def run_trainer(config_class, trainer_class, args) -> int:
    """Build a trainer from the command line's options, resume it when asked, and run it to the end."""
    config = apply_overrides(config_class(), args)
    trainer = trainer_class(config, Path(args.out), data_root=args.data_root, device=args.device)
    if args.resume and trainer.resume():
        print(f"resumed {args.out} at epoch {trainer.epoch}/{config.epochs}", flush=True)
    trainer.run()
    print(f"saved {args.out}")
    return 0


def cmd_train_task(args) -> int:
    from semjscc.train.task_trainer import TaskTrainConfig, TaskTrainer

    return run_trainer(TaskTrainConfig, TaskTrainer, args)


def cmd_train_policy(args) -> int:
    from semjscc.train.policy import PolicyConfig, PolicyTrainer

    return run_trainer(PolicyConfig, PolicyTrainer, args)


def cmd_train_gan(args) -> int:
    from semjscc.train.gan import GanConfig, GanTrainer

    return run_trainer(GanConfig, GanTrainer, args)


def add_train_gan_parser(sub) -> None:
    p = sub.add_parser("train-gan", help="train a generative (GAN) decoder for a shipped codec's frozen encoder")
    p.add_argument("--out", required=True, help="generative codec checkpoint to write (.pt)")
    p.add_argument("--encoder", help="the main codec (file or shipped name) whose encoder is kept "
                                     "(default adaptive_awgn_kn1-12)")
    p.add_argument("--init", help="a generative decoder of that encoder to continue from (e.g. a pretrained one)")
    p.add_argument("--task-model", dest="task_model", help="the receiver's classifier of the semantic term "
                                                           "(default task_resnet)")
    p.add_argument("--unseen-model", dest="unseen_model", help="the classifier whose feature space the validation "
                                                               "KID uses (default task_vgg_unseen)")
    p.add_argument("--adversarial-weight", dest="adversarial_weight", type=float,
                   help="lambda of the adversarial term (default 0.003; 0 with --feature-matching-weight 0 "
                        "trains on the distortion terms alone)")
    p.add_argument("--feature-matching-weight", dest="feature_matching_weight", type=float,
                   help="weight of discriminator feature matching (default 0.01)")
    p.add_argument("--ms-ssim-weight", dest="ms_ssim_weight", type=float, help="weight of 1 - MS-SSIM (default 0.01)")
    p.add_argument("--semantic-weight", dest="semantic_weight", type=float,
                   help="weight of the receiver classifier's cross-entropy (default 0.001)")
    p.add_argument("--lr-discriminator", dest="lr_discriminator", type=float, help="discriminator's peak rate (2e-4)")
    p.add_argument("--grid", type=int, help="global-context tokens per side (default 4)")
    p.add_argument("--max-images", dest="max_images", type=int, help="images per epoch (0: all)")
    p.add_argument("--snr-min", dest="snr_min", type=snr_value, help="lowest training SNR (dB)")
    p.add_argument("--snr-max", dest="snr_max", type=snr_value, help="highest training SNR (dB)")
    for flag, what in (("--epochs", "passes over the training images"), ("--batch-size", "images per step")):
        p.add_argument(flag, dest=flag[2:].replace("-", "_"), type=int, help=what)
    p.add_argument("--lr", type=float, help="generator's peak learning rate (cosine decay)")
    p.add_argument("--seed", type=int, help="seed of shuffling and channel noise")
    p.add_argument("--data", help="training images (default cifar10:train)")
    p.add_argument("--val-data", dest="val_data", help="validation images after each epoch")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    p.add_argument("--resume", action="store_true", help="continue from <out>.state.pt if present")
    p.add_argument("--device", type=torch_device, default="cpu", help=DEVICE_HELP)
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.set_defaults(func=cmd_train_gan)


def add_train_policy_parser(sub) -> None:
    p = sub.add_parser("train-policy", help="train the RL-ASC allocation agent on a rate-adaptive codec")
    p.add_argument("--out", required=True, help="policy checkpoint to write (.pt)")
    p.add_argument("--codec", help="the rate-adaptive codec (file or shipped name), kept frozen")
    p.add_argument("--task-model", dest="task_model", help="the receiver's classifier of the utility "
                                                           "(default task_resnet)")
    p.add_argument("--mode", choices=["image", "concept"],
                   help="image: one budget per image (a contextual bandit); concept: a depth per concept (default)")
    p.add_argument("--target-k-over-n", dest="target_k_over_n", type=bandwidth_ratio,
                   help="mean bandwidth ratio the price of a channel use is tuned to (default 1/12)")
    p.add_argument("--mu", type=float, help="starting price of the full budget in utility units (default 1)")
    p.add_argument("--mu-lr", dest="mu_lr", type=float, help="dual-ascent step of the price (0 keeps --mu fixed)")
    p.add_argument("--perceptual", type=float, help="weight of SSIM in the utility (default 2)")
    p.add_argument("--images-per-epoch", dest="images_per_epoch", type=int, help="episodes per epoch (default 4096)")
    p.add_argument("--entropy", type=float, help="entropy bonus (default 0.01)")
    p.add_argument("--snr-min", dest="snr_min", type=snr_value, help="lowest training SNR (dB)")
    p.add_argument("--snr-max", dest="snr_max", type=snr_value, help="highest training SNR (dB)")
    add_common_training_options(p)
    p.set_defaults(func=cmd_train_policy)


def add_train_task_parser(sub) -> None:
    p = sub.add_parser("train-task", help="train a CIFAR-10 task network (the receiver's classifier)")
    p.add_argument("--out", required=True, help="classifier checkpoint to write (.pt)")
    p.add_argument("--arch", choices=["resnet", "vgg"], help="network (default resnet)")
    p.add_argument("--width", type=int, help="channels of the first stage")
    add_common_training_options(p)
    p.set_defaults(func=cmd_train_task)


def cmd_eval_task(args) -> int:
    """Top-1 of a classifier on each dataset; the table goes into its model card."""
    from semjscc.codec.card import write_task_card
    from semjscc.data import load_dataset
    from semjscc.store.paths import resolve_model
    from semjscc.semantic.task_models import dataset_accuracy, load_task_model

    path = resolve_model(args.model)
    model = load_task_model(path, args.device)
    rows = []
    for spec in args.data.split(","):
        dataset = load_dataset(spec, args.data_root)
        rows.append({"data": spec, "n_images": len(dataset), "top1": round(dataset_accuracy(model, dataset), 4)})
        print(json.dumps(rows[-1]), flush=True)
    if not args.no_card:
        write_task_card(path, rows)
    return 0


def add_eval_task_parser(sub) -> None:
    p = sub.add_parser("eval-task", help="top-1 accuracy of a task network (written into its model card)")
    p.add_argument("--model", required=True, help="classifier checkpoint or shipped task model name")
    p.add_argument("--data", default="cifar10:test,cifar10:test-jpeg",
                   help="comma-separated dataset specs (cifar10:test-jpeg: the 10,000 JPEG-derived images)")
    p.add_argument("--device", type=torch_device, default="cpu", help=DEVICE_HELP)
    p.add_argument("--no-card", action="store_true", help="print only")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.set_defaults(func=cmd_eval_task)


def cmd_eval(args) -> int:
    from semjscc.codec.card import write_card
    from semjscc.codec.checkpoint import load_model
    from semjscc.data import load_dataset
    from semjscc.evaluate.quality import evaluate, plot_results
    from semjscc.store.jsonio import check_writable, dumps, write_json
    from semjscc.store.paths import resolve_model

    if args.json:
        check_writable(args.json)
    model_path = resolve_model(args.model)
    model, _ = load_model(model_path, device=args.device)
    dataset = load_dataset(args.data, args.data_root)
    from semjscc.semantic.task_models import load_task_model

    from semjscc.semantic.allocation import build_allocator

    options = {"pilots": args.pilots, "equalizer": args.equalizer} if args.channel == "fading" else {}
    task = load_task_model(resolve_model(args.task_model)) if args.task_model else None
    unseen = load_task_model(resolve_model(args.unseen_model)) if args.unseen_model else None
    allocation = allocation_spec(args)
    allocator = build_allocator(allocation, model)
    report = {"model": str(args.model), **({"allocation": allocation} if allocation else {}),
              **evaluate(model, dataset, args.channel, args.snr, batch_size=args.batch_size, seed=args.seed,
                         device=args.device, channel_options=options, task=task, unseen=unseen,
                         allocator=allocator)}
    if args.json:
        write_json(args.json, report)
        plot_results([report], Path(args.json).with_suffix(".png"))
    print(dumps(report))
    if args.card:
        write_card(model_path, [report])
    return 0


def add_eval_parser(sub) -> None:
    p = sub.add_parser("eval", help="PSNR / SSIM / MS-SSIM of a model per SNR, as JSON and a plot")
    p.add_argument("--model", required=True, help="checkpoint file or shipped model name")
    p.add_argument("--data", default="cifar10:test", help="dataset spec or folder (default cifar10:test)")
    p.add_argument("--channel", default="awgn", choices=CHANNEL_NAMES, help="channel model (default awgn)")
    p.add_argument("--pilots", type=int, default=16, help="pilots per block (fading channel)")
    p.add_argument("--equalizer", default="mmse", choices=["mmse", "zf"], help="fading channel: the equaliser")
    p.add_argument("--snr", type=parse_snr_list, default="0,5,10,15,20", help="'0,5,10' or 'start:stop:step'")
    p.add_argument("--json", help="write the report here (and a PNG plot beside it)")
    p.add_argument("--card", action="store_true", help="add the measured table to the model card")
    p.add_argument("--task-model", help="classifier for the 'accuracy' field (labelled data)")
    p.add_argument("--unseen-model", help="a second classifier, never used in training ('accuracy_unseen')")
    p.add_argument("--batch-size", type=int, default=250, help="images per forward pass")
    add_allocation_options(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the channel noise")
    p.add_argument("--device", type=torch_device, default="cpu", help=DEVICE_HELP)
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.set_defaults(func=cmd_eval)


def cmd_info(args) -> int:
    from semjscc.run.info import report

    print(report(find_devices=not args.no_devices))
    return 0


def add_info_parser(sub) -> None:
    p = sub.add_parser("info", help="versions, torch devices, shipped models, UHD devices")
    p.add_argument("--no-devices", action="store_true", help="skip the UHD device search")
    p.set_defaults(func=cmd_info)


def cmd_index(args) -> int:
    from semjscc.codec.card import write_index
    from semjscc.store.paths import models_dir

    index = write_index(args.models or models_dir())
    print(json.dumps(index, indent=2))
    return 0


def cmd_data(args) -> int:
    from semjscc.data.fetch import FetchError, fetch
    from semjscc.data.specs import data_root, missing_full_data

    if args.action == "check":
        missing = missing_full_data(args.root)
        for item in missing:
            print(f"semjscc data check: missing {item}", file=sys.stderr)
        if missing:
            print("semjscc data check: get it with: semjscc data fetch cifar10 kodak", file=sys.stderr)
            return 1
        print(f"semjscc data check: the full data sets are in {data_root(args.root)}")
        return 0
    if not args.names:
        raise ValueError("name the data sets to fetch: cifar10, kodak, div2k, wikiphotos")
    try:
        for name in args.names:
            fetch(name, args.root, args.base_url, args.timeout)
    except FetchError as error:
        print(f"semjscc data fetch: error: {error}", file=sys.stderr)
        return 1
    return 0


def add_data_parser(sub) -> None:
    p = sub.add_parser("data", help="fetch the full data sets (CIFAR-10, Kodak, DIV2K, Wikipedia photographs), "
                                         "checked by SHA-256")
    p.add_argument("action", choices=["fetch", "check"],
                   help="fetch: download and check; check: are the full sets there (exit 1 if not)")
    p.add_argument("names", nargs="*", help="data sets to fetch: cifar10, kodak, div2k (photographs for training; "
                                            "3.9 GB, for academic research only), wikiphotos (49 photographs, "
                                            "87 MB, Creative Commons: the photo-scale models' training set)")
    p.add_argument("--root", help="data folder (default: $SEMJSCC_DATA, else ~/.local/share/semjscc/data, "
                                  "which the loader also looks in)")
    p.add_argument("--base-url", default="", help="a mirror holding the same files (default: the official source)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds without data before a download fails")
    p.set_defaults(func=cmd_data)


def add_index_parser(sub) -> None:
    p = sub.add_parser("index", help="rebuild models/index.json from the model cards")
    p.add_argument("--models", help="models folder (default: the shipped one)")
    p.set_defaults(func=cmd_index)


def cmd_promote(args) -> int:
    from semjscc.train.promotion import promote

    meta = promote(args.candidate, args.into)
    epochs = sum(stage.get("epochs_done", 0) for stage in meta["stages"])
    print(f"{args.into}: now {len(meta['stages'])} training stages, {epochs} epochs; "
          "measured tables cleared - re-run the benchmarks (bench/run_all.sh) to refill them")
    return 0


def add_promote_parser(sub) -> None:
    p = sub.add_parser("promote", help="replace a shipped model by a continuation of its training")
    p.add_argument("candidate", help="checkpoint trained with --init from the shipped one")
    p.add_argument("--into", required=True, help="the shipped checkpoint it replaces")
    p.set_defaults(func=cmd_promote)


def cmd_loopback(args) -> int:
    from semjscc.run.loopback import DEFAULT_MODELS, run_loopback
    from semjscc.store.jsonio import check_writable, dumps, write_json

    for path in filter(None, (args.json, Path(args.out) / "metrics.json")):
        check_writable(path)  # before the run, not after it
    mode = "single-carrier" if args.mode == "digital" else args.mode
    if args.mode == "digital" or args.codec:
        from semjscc.digital.codec import link_spec

        model = link_spec(args.codec or "webp", args.mcs, args.ratio, args.snr)
    else:
        model = args.model or DEFAULT_MODELS[mode]
    report = run_loopback(model, args.data, args.snr, args.cfo, args.epsilon, args.taps, args.seed, args.out,
                          args.device, args.samp_rate, args.timeout, args.data_root, args.task_model,
                          save_images=not args.no_save, mode=mode, allocation=allocation_spec(args))
    if args.json:
        write_json(args.json, report)
    print(dumps(report))
    if report["timed_out"]:
        print(f"semjscc loopback: error: timed out after {args.timeout:g} s", file=sys.stderr)
        return 1
    if not report["accounted"]:
        print(f"semjscc loopback: error: {report['images_unexplained']} of {report['images_sent']} images neither "
              "decoded nor counted as dropped", file=sys.stderr)
        return 1
    lost = report["images_sent"] - report["images_decoded"] + sum(report.get("images_lost", {}).values())
    if lost > args.allow_loss:
        print(f"semjscc loopback: error: {lost} of {report['images_sent']} images lost (dropped: "
              f"{report['images_dropped']}, digital: {report.get('images_lost', {})}); --allow-loss N accepts "
              "up to N", file=sys.stderr)
        return 1
    return 0


def add_loopback_parser(sub) -> None:
    p = sub.add_parser("loopback", help="images through the full TX -> channel -> RX flowgraph (headless)")
    p.add_argument("--model", default="",
                   help="checkpoint file or shipped model name (default: the mode's own, see --mode)")
    add_allocation_options(p)
    p.add_argument("--mode", default="single-carrier", choices=["single-carrier", "ofdm", "digital"],
                   help="air interface: the loopback_sim (model adaptive_awgn_kn1-6) or the loopback_ofdm flowgraph "
                        "(model adaptive_ofdm_kn1-6, trained on multipath with per-subcarrier CSI); digital: "
                        "single carrier with the digital link (--codec, --mcs)")
    p.add_argument("--codec", default="", choices=["", "hevc", "avif", "webp", "jpeg"],
                   help="send with the digital link instead (image codec + 5G LDPC + QAM; default with "
                        "--mode digital: webp)")
    p.add_argument("--mcs", default="auto", help="digital: MCS name (16qam-1/2) or index; auto: the best "
                                                 "with a measured BLER of at most 10%% at --snr")
    p.add_argument("--ratio", default="1/6", help="digital: channel uses per source value k/n")
    p.add_argument("--allow-loss", type=int, default=0,
                   help="images that may be lost before the exit status says failure (a CI gate; default 0)")
    p.add_argument("--data", default="sample:cifar10:test:16", help="dataset spec or folder")
    p.add_argument("--snr", type=snr_value, default=10.0, help="Es/N0 per complex symbol (dB)")
    p.add_argument("--cfo", type=frequency_offset, default=0.0, help="frequency offset, cycles/sample (channel_model's)")
    p.add_argument("--epsilon", type=clock_ratio, default=1.0, help="sample clock ratio (channel_model's; 1 = none)")
    p.add_argument("--taps", type=channel_taps, default="1.0", help="multipath taps, comma-separated complex literals")
    p.add_argument("--seed", type=int, default=0, help="seed of the channel noise and impairments")
    p.add_argument("--out", default="out/loopback", help="folder for decoded PNGs and metrics.json")
    p.add_argument("--json", help="write the link report here")
    p.add_argument("--device", type=link_device, default="auto", help=LINK_DEVICE_HELP)
    p.add_argument("--samp-rate", type=positive("sample rate"), default=1e6, help="sample rate the RTF refers to")
    p.add_argument("--timeout", type=positive("timeout (s)"), default=600.0, help="give up after this many seconds")
    p.add_argument("--task-model", default="", help="classifier at the receiver: adds 'accuracy'")
    p.add_argument("--no-save", action="store_true", help="keep the metrics, skip writing decoded PNGs")
    p.add_argument("--data-root", help=DATA_ROOT_HELP)
    p.set_defaults(func=cmd_loopback)


def cmd_demo(args) -> int:
    from semjscc.run.demo import run_demo

    run_demo(args.out, args.model, args.snr, args.data, args.kodak, args.device, args.task_model, args.photo_model,
             args.photo_snr)
    return 0


def add_demo_parser(sub) -> None:
    p = sub.add_parser("demo", help="shipped images through the full flowgraph at several SNRs")
    p.add_argument("--out", default="out/demo", help="folder for the decoded images, metrics and plots")
    p.add_argument("--model", default="", help="default: the main shipped model")
    p.add_argument("--snr", type=parse_snr_list, default="0,5,10,15,20", help="Es/N0 of each run (dB)")
    p.add_argument("--data", default="sample:cifar10:test:16", help="the small images to send (dataset spec)")
    p.add_argument("--kodak", default="sample:kodak:1", help="a photograph to send as well ('' for none)")
    p.add_argument("--photo-model", dest="photo_model", default="",
                   help="the codec for the photograph (default: the photo-scale adaptive_hr_awgn_kn1-12)")
    p.add_argument("--photo-snr", dest="photo_snr", type=parse_snr_list, default="5,10,15",
                   help="Es/N0 of the photograph's runs (dB)")
    p.add_argument("--task-model", default=None,
                   help="classifier at the receiver for the labelled images (default: task_resnet; '' for none)")
    p.add_argument("--device", type=link_device, default="auto", help=LINK_DEVICE_HELP)
    p.set_defaults(func=cmd_demo)


def cmd_bench(args) -> int:
    out = Path(args.out)
    snrs = args.snr  # None: each benchmark's own SNRs
    if args.what == "codec":
        from semjscc.bench.codec import bench_quality

        bench_quality(out, args.data, snrs or STANDARD_SNRS, args.filter, update_cards=not args.no_cards)
    elif args.what == "baseline":
        from semjscc.bench.codec import bench_baseline_reproduction

        bench_baseline_reproduction(out, args.data)
    elif args.what == "rate":
        from semjscc.bench.rate import run_rate_bench

        run_rate_bench(str(out), args.codec, list(filter(None, args.policies.split(","))), args.data,
                       snrs or (0.0, 5.0, 10.0), args.task_model or "task_resnet")
    elif args.what == "semantic":
        from semjscc.bench.semantic import run_semantic_bench

        run_semantic_bench(str(out), args.models.split(","), args.task_model, args.unseen_model, args.data,
                           snrs or STANDARD_SNRS, args.digital_codec, tuple(filter(None, args.sweep.split(","))),
                           update_cards=not args.no_cards, precision=args.precision)
    elif args.what == "importance":
        from semjscc.bench.semantic import importance_figure

        importance_figure(args.task_model, args.data, args.layer, out / "importance_maps.png")
    elif args.what == "throughput":
        from semjscc.bench.codec import bench_throughput

        bench_throughput(out, filter_text=args.filter)
    elif args.what == "report":
        from semjscc.bench.report import write_report

        print(write_report(out))
    elif args.what == "robustness":
        from semjscc.bench.robustness import run_robustness_bench

        result = run_robustness_bench(str(out), args.data_root)
        return 0 if result["passed"] else 1
    elif args.what == "cliff":
        from semjscc.bench.cliff import SNRS, add_flowgraph_results, cliff_folder, run_cliff

        if args.flowgraph_only:
            add_flowgraph_results(out / cliff_folder(args.data))
        else:
            run_cliff(out / cliff_folder(args.data), args.data, tuple(args.ratios.split(",")),
                      tuple(args.codecs.split(",")), snrs=snrs or SNRS, task_model=args.task_model or "task_resnet",
                      flowgraph=not args.no_flowgraph)
    elif args.what == "ofdm":
        from semjscc.bench.ofdm import run_ofdm_bench

        run_ofdm_bench(str(out), args.model, data=args.data)
    elif args.what == "profile":
        from semjscc.bench.profile import run_profile_bench

        run_profile_bench(str(out / "profile"), args.models.split(",") if args.models else [args.model], args.data,
                          args.device)
    elif args.what == "ddp":
        from semjscc.bench.ddp import run_ddp_bench

        if args.device == "openvino":
            raise ValueError("bench ddp trains, and OpenVINO only runs inference: use --device cpu or cuda")
        run_ddp_bench(str(out / "ddp"), args.processes, args.threads, args.images, args.train_data, args.device)
    elif args.what == "gpu":
        from semjscc.bench.gpu import run_gpu_bench

        run_gpu_bench(str(out / "gpu"), args.models.split(",") if args.models else ["adaptive_awgn_kn1-6"],
                      args.device, args.data)
    elif args.what == "gan":
        from semjscc.bench.gan import run_gan_bench

        run_gan_bench(str(out / "gan"), list(filter(None, args.models.split(","))), args.data, snrs or STANDARD_SNRS,
                      args.curve_dir, args.kodak, update_cards=not args.no_cards)
    elif args.what == "photo":
        from semjscc.bench.photo import PHOTO_MODELS, bench_photo

        bench_photo(out, args.models.split(",") if args.models else PHOTO_MODELS, args.kodak,
                    snrs or STANDARD_SNRS, fresh=args.fresh)
    elif args.what == "large":
        from semjscc.bench.large import run_large_bench

        run_large_bench(str(out / "large"), args.models.split(",")[0] if args.models else "adaptive_awgn_kn1-6")
    elif args.what == "tiling":
        from semjscc.bench.large import TILING_MODELS, run_tiling_bench

        run_tiling_bench(str(out / "large"), args.models.split(",") if args.models else TILING_MODELS, args.kodak)
    elif args.what == "rtf":
        from semjscc.bench.radio import run_rtf_bench

        run_rtf_bench(str(out), args.models.split(",") if args.models else [args.model],
                      devices=args.devices, receive_only=args.receive_only)
    else:
        from semjscc.bench.radio import run_radio_bench

        run_radio_bench(str(out), args.model, args.data, args.detect_data, args.noise_samples)
    return 0


def add_bench_parser(sub) -> None:
    p = sub.add_parser("bench", help="benchmarks: codec quality, throughput, radio link (JSON + plots)")
    p.add_argument("what", choices=["codec", "baseline", "throughput", "radio", "ofdm", "rtf", "robustness",
                                      "semantic", "importance", "cliff", "rate", "profile", "gpu", "ddp", "gan", "large",
                                      "tiling", "photo", "report"],
                   help="which benchmark")
    p.add_argument("--out", default="bench/results", help="results folder (JSON + PNG)")
    p.add_argument("--data", default="cifar10:test", help="codec: dataset; radio: images for the loss table")
    p.add_argument("--snr", type=parse_snr_list, default=None,
                   help="SNRs (dB); default 0,5,10,15,20 (cliff: -5 to 25 in 2.5 dB steps)")
    p.add_argument("--filter", default="", help="codec, throughput: only models whose name contains this")
    p.add_argument("--no-cards", action="store_true", help="codec, semantic, gan: leave the model cards alone")
    p.add_argument("--model", default="baseline_awgn_kn1-6_snr10",
                   help="radio: the model for the link tests; ofdm: the OFDM model")
    p.add_argument("--detect-data", default="cifar10:test-jpeg:4000", help="radio: images for the 0 dB detection count")
    p.add_argument("--noise-samples", type=int, default=10_000_000,
                   help="radio: noise-only samples for the false-detection count")
    p.add_argument("--models", default="", help="semantic, rtf, profile, gpu, gan, photo, tiling: comma-separated "
                                                "models; large: the model (default: the main 1/6)")
    p.add_argument("--curve-dir", default="", help="gan: decoders trained at several adversarial weights (the "
                                                   "distortion-perception curve)")
    p.add_argument("--kodak", default="kodak", help="gan: the Kodak images of the gallery's crops; photo, tiling: "
                                                    "the photographs")
    p.add_argument("--fresh", action="store_true", help="photo: evaluate again even where a card has the table")
    p.add_argument("--device", type=link_device, default="cpu",
                   help="profile, gpu: " + LINK_DEVICE_HELP + "; ddp: a torch device")
    p.add_argument("--devices", type=link_devices, default="auto",
                   help="rtf: codec devices timed in turn, comma-separated (cpu,openvino)")
    p.add_argument("--receive-only", dest="receive_only", action="store_true",
                   help="rtf: time the receiver alone on a recording of the link (rtf_receive.json)")
    p.add_argument("--processes", type=int, default=2, help="ddp: data-parallel processes against one")
    p.add_argument("--threads", type=int, default=2, help="ddp: CPU threads in all, shared out among the processes")
    p.add_argument("--images", type=int, default=4096, help="ddp: training images in the timed epoch")
    p.add_argument("--train-data", default="cifar10:train", help="ddp: the training images")
    p.add_argument("--task-model", default="", help="semantic: the receiver's classifier")
    p.add_argument("--unseen-model", default="", help="semantic: a classifier no codec trained with")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                   help="semantic: bf16 runs the networks in bfloat16 (large accuracy sweeps; no SSIM)")
    p.add_argument("--sweep", default="", help="semantic: more models (lambdas) for the trade-off curve only")
    p.add_argument("--digital-codec", default="webp", choices=["webp", "jpeg2000"],
                   help="semantic: the image codec of the capacity-rate reference")
    p.add_argument("--layer", default="layer2", help="importance: the task network layer")
    p.add_argument("--ratios", default="1/12,1/6", help="cliff: bandwidth ratios k/n")
    p.add_argument("--codec", default="rate_adaptive_awgn_kn1-6", help="rate: the rate-adaptive codec")
    p.add_argument("--policies", default="", help="rate: comma-separated trained allocation policies (any mode)")
    p.add_argument("--codecs", default="hevc,avif,webp,jpeg", help="cliff: image codecs of the digital link")
    p.add_argument("--no-flowgraph", action="store_true",
                   help="cliff: skip the flowgraph runs (BLER check and cliff curves)")
    p.add_argument("--flowgraph-only", action="store_true",
                   help="cliff: only the flowgraph runs, on the tables of the last run")
    p.add_argument("--data-root", help="robustness: data folder (default: $SEMJSCC_DATA, ../shared/data, sample)")
    p.set_defaults(func=cmd_bench)


def build_parser() -> argparse.ArgumentParser:
    from semjscc import __version__

    parser = argparse.ArgumentParser(prog="semjscc", description=__doc__)
    parser.add_argument("--version", action="version", version=f"semjscc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (add_train_parser, add_train_task_parser, add_train_policy_parser, add_train_gan_parser, add_eval_parser, add_eval_task_parser, add_loopback_parser,
                add_demo_parser, add_bench_parser, add_info_parser, add_index_parser, add_promote_parser,
                add_data_parser):
        add(sub)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed its one-line error (or the help)
        return stop.code
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"semjscc {args.command}: error: {err}", file=sys.stderr)
        return 2
