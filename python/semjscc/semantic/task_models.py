"""Task networks: CIFAR-10 classifiers that run on the decoded images.

``resnet`` (residual, batch-norm; the task the semantic codecs train against)
and ``vgg`` (plain convolution stack; never used in training, only to check
whether a gain carries to a task the codec never saw).  Both expose
``features(x)``: a dict of intermediate activations plus ``logits``, so the
semantic losses can weight any layer.
"""

import torch
from torch import nn
import torch.nn.functional as F

from semjscc.store.checkpoint import CheckpointError, check_bounds, read_checkpoint

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x):
        return x + self.body(x)


class TaskNetwork(nn.Module):
    """Input: images in [0, 1] of ``input_size`` (CIFAR-10's); normalisation is part of the network."""

    arch = "abstract"
    layers = ()
    input_size = (32, 32)

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1))

    def features(self, images: torch.Tensor) -> dict:
        x = (images - self.mean) / self.std
        out = {}
        for name in self.layers:
            x = getattr(self, name)(x)
            out[name] = x
        out["logits"] = self.head(x)
        return out

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(images)["logits"]

    def config(self) -> dict:
        return {"arch": self.arch, "width": self.width, "classes": self.classes}


class ResNetTask(TaskNetwork):
    """A ResNet-9-style classifier (prep, 3 stages with pooling, 2 residual blocks)."""

    arch = "resnet"
    layers = ("prep", "layer1", "layer2", "layer3")

    def __init__(self, width: int = 64, classes: int = 10):
        super().__init__()
        self.width, self.classes = width, classes
        w = width
        self.prep = conv_bn(3, w)
        self.layer1 = nn.Sequential(conv_bn(w, 2 * w), nn.MaxPool2d(2), _Residual(2 * w))
        self.layer2 = nn.Sequential(conv_bn(2 * w, 4 * w), nn.MaxPool2d(2))
        self.layer3 = nn.Sequential(conv_bn(4 * w, 8 * w), nn.MaxPool2d(2), _Residual(8 * w))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(8 * w, classes))


class VGGTask(TaskNetwork):
    """A plain VGG-style stack, a different inductive bias from the ResNet."""

    arch = "vgg"
    layers = ("block1", "block2", "block3")

    def __init__(self, width: int = 32, classes: int = 10):
        super().__init__()
        self.width, self.classes = width, classes
        w = width
        self.block1 = nn.Sequential(conv_bn(3, w), conv_bn(w, w), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(conv_bn(w, 2 * w), conv_bn(2 * w, 2 * w), nn.MaxPool2d(2))
        self.block3 = nn.Sequential(conv_bn(2 * w, 4 * w), conv_bn(4 * w, 4 * w), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * w * 16, classes))


TASK_ARCHITECTURES = {"resnet": ResNetTask, "vgg": VGGTask}


TASK_CONFIG_BOUNDS = {"width": (1, 1024), "classes": (1, 1000)}


def build_task_model(config: dict) -> TaskNetwork:
    """A classifier from its JSON config; sizes outside sane bounds are refused before anything is allocated."""
    config = dict(config)
    arch = config.pop("arch", None)
    if arch not in TASK_ARCHITECTURES:
        raise ValueError(f"unknown task network {arch!r}; known: {sorted(TASK_ARCHITECTURES)}")
    check_bounds(config, TASK_CONFIG_BOUNDS)
    return TASK_ARCHITECTURES[arch](**config)


def load_task_model(path, device="cpu") -> TaskNetwork:
    """A classifier checkpoint (same format as the codecs'), in eval mode."""
    payload = read_checkpoint(path)
    try:
        model = build_task_model(payload["model"])
        model.load_state_dict(payload["state_dict"])
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{path}: not a task network checkpoint this version can load: {err}") from None
    return model.to(device).eval()


def top1(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(dim=1) == labels).float()


def dataset_accuracy(model: TaskNetwork, dataset, batch: int = 500) -> float:
    """Top-1 accuracy of ``model`` on a labelled dataset (uint8 NHWC images)."""
    if dataset.labels is None:
        raise ValueError(f"{dataset.name}: accuracy needs labelled images")
    device = next(model.parameters()).device
    hits = []
    with torch.no_grad():
        for start in range(0, len(dataset), batch):
            images = torch.from_numpy(dataset.images[start:start + batch]).permute(0, 3, 1, 2).float().div(255)
            labels = torch.as_tensor(dataset.labels[start:start + batch])
            hits.append(top1(model(images.to(device)), labels.to(device)).cpu())
    return float(torch.cat(hits).mean())


def predict(model: TaskNetwork, images: torch.Tensor):
    """(class, confidence) per image."""
    with torch.no_grad():
        probabilities = F.softmax(model(images), dim=1)
    confidence, predicted = probabilities.max(dim=1)
    return predicted, confidence
