"""Quality of a codec over a channel and a range of SNRs: PSNR, SSIM, MS-SSIM."""

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from semjscc.channel import build_channel
from semjscc.codec.bandwidth import padded_size, symbol_count
from semjscc.codec.power import papr_db
from semjscc.data import ImageSet
from semjscc.data.metrics import image_metrics, psnr_per_image, quantize
from semjscc.codec.precision import check_precision, mixed_precision
from semjscc.semantic.feature_distance import classifier_features, frechet_distance, kernel_distance


def batches(dataset: ImageSet, batch_size: int):
    """Float (B, 3, H, W) tensors: batches for same-size images, one by one otherwise."""
    if dataset.uniform:
        for start in range(0, len(dataset), batch_size):
            chunk = dataset.images[start:start + batch_size]
            yield torch.from_numpy(np.ascontiguousarray(chunk)).permute(0, 3, 1, 2).float() / 255.0
    else:
        for image in dataset.images:
            yield torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float() / 255.0


def pad_to_multiple(images: torch.Tensor) -> torch.Tensor:
    """Edge-pad (B, 3, H, W) up to the codec's multiple, as the radio link does (the decoder's output is cropped)."""
    height, width = images.shape[-2:]
    pad_h, pad_w = padded_size(height) - height, padded_size(width) - width
    return F.pad(images, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else images


@torch.no_grad()
def evaluate(model, dataset: ImageSet, channel: str = "awgn", snrs=(0, 5, 10, 15, 20), batch_size: int = 250,
             seed: int = 0, device="cpu", channel_options=None, task=None, unseen=None, precision: str = "fp32",
             image_quality: bool = True, allocator=None) -> dict:
    """The eval JSON of the command-line interface (see README: "semjscc eval").

    With labelled data, ``task`` (the receiver's classifier) and ``unseen`` (one
    the codec never trained against) add top-1 ``accuracy`` / ``accuracy_unseen`` and the distance of the
    decoded images from the originals in that classifier's feature space: ``kid`` / ``kid_unseen`` and
    ``fd`` / ``fd_unseen`` (``semantic.feature_distance``).
    ``precision`` ``bf16`` runs the networks in bfloat16 (about 3x faster here, for large accuracy
    sweeps); ``image_quality`` False skips SSIM and MS-SSIM.  ``allocator`` (rate-adaptive codecs,
    ``semantic.allocation``) chooses each image's depth map; each row then has the ``mean_k_over_n`` sent.
    """
    check_precision(precision, device)
    model = model.to(device).eval()
    channel_module = build_channel(channel, **(channel_options or {})).to(device)
    torch.manual_seed(seed)
    classifiers = {name: net.to(device).eval() for name, net in (("accuracy", task), ("accuracy_unseen", unseen))
                   if net is not None and dataset.labels is not None and dataset.uniform}
    labels = torch.as_tensor(dataset.labels) if classifiers else None
    real_features = {name: [] for name in classifiers}
    results = []
    quality = ("psnr", "ssim", "ms_ssim") if image_quality else ("psnr",)
    bar = tqdm(total=len(snrs) * len(dataset), desc=f"eval {dataset.name}", unit="image", leave=False,
               disable=None)  # shown on a terminal only
    for pass_index, snr in enumerate(snrs):
        per_image = {**{key: [] for key in quality}, **{name: [] for name in classifiers}}
        paprs, ratios = [], []
        decoded_features = {name: [] for name in classifiers}
        offset = 0
        for images in batches(dataset, batch_size):
            bar.update(images.shape[0])
            images = images.to(device)
            padded = pad_to_multiple(images)
            allocation = {} if allocator is None else {"depth": allocator(padded, float(snr), model)}
            with mixed_precision(precision, device):
                symbols = model.encode(padded, float(snr), **allocation)
            if allocation:  # unit power over the symbols sent: the peak alone gives the PAPR
                sent = model.symbols_sent(allocation["depth"])
                ratios.append(sent.float().cpu() / (3 * images.shape[-2] * images.shape[-1]))
                paprs.append(10 * torch.log10(symbols.abs().pow(2).amax(dim=-1).clamp_min(1e-12)).cpu())
            else:
                paprs.append(papr_db(symbols).cpu())
            received = channel_module(symbols, float(snr))
            received, reliability = received if isinstance(received, tuple) else (received, None)
            with mixed_precision(precision, device):
                decoded = model.decode(received, padded.shape[-2:], float(snr), reliability, **allocation).float()
            decoded = decoded[..., :images.shape[-2], :images.shape[-1]]
            metrics = image_metrics(images, decoded) if image_quality else {"psnr": psnr_per_image(images,
                                                                                                  quantize(decoded))}
            for key, values in metrics.items():
                per_image[key].append(values.cpu())
            for name, net in classifiers.items():
                truth = labels[offset:offset + len(images)].to(device)
                with mixed_precision(precision, device):
                    outputs = net.features(quantize(decoded))
                    if pass_index == 0:  # the originals' features, once
                        real_features[name].append(classifier_features(net, images).cpu())
                per_image[name].append((outputs["logits"].argmax(dim=1) == truth).float().cpu())
                decoded_features[name].append(outputs[net.layers[-1]].float().mean(dim=(2, 3)).cpu())
            offset += len(images)
        row = {"snr_db": float(snr)}
        for key, values in per_image.items():
            row[key] = round(torch.cat(values).mean().item(), 4)
        for name in classifiers:  # distances of the decoded images' distribution from the originals'
            real, fake = torch.cat(real_features[name]), torch.cat(decoded_features.pop(name))
            suffix = name[len("accuracy"):]
            row["kid" + suffix] = round(kernel_distance(real, fake), 6)
            row["fd" + suffix] = round(frechet_distance(real, fake), 4)
        row["psnr_std"] = round(torch.cat(per_image["psnr"]).std().item(), 4) if len(dataset) > 1 else 0.0
        row["papr_db"] = round(torch.cat(paprs).mean().item(), 3)
        if ratios:
            row["mean_k_over_n"] = round(torch.cat(ratios).mean().item(), 6)
        results.append(row)
    bar.close()
    first = dataset.images[0]
    return {
        "data": dataset.name,
        "n_images": len(dataset),
        "channel": channel,
        "k_over_n": model.k_over_n,
        "symbols_per_image": (symbol_count(padded_size(first.shape[0]), padded_size(first.shape[1]), model.k_over_n)
                              if dataset.uniform else None),
        "seed": seed,
        "precision": precision,
        "results": results,
    }


def plot_results(reports: list, path, metric: str = "psnr") -> None:
    """One curve per report (metric vs SNR), saved as a PNG."""
    from semjscc.evaluate.plots import figure, label_axes

    with figure(path) as (_, ax):
        for report in reports:
            snr = [r["snr_db"] for r in report["results"]]
            ax.plot(snr, [r[metric] for r in report["results"]], marker="o",
                    label=report.get("label", report.get("model", "")))
        label_axes(ax, "SNR (dB)", metric.upper().replace("_", "-") + (" (dB)" if metric == "psnr" else ""))
        ax.set_title(f"{reports[0]['data']} — {reports[0]['channel']}")
