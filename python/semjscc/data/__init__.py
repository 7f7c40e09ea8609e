"""Datasets: CIFAR-10, Kodak, any folder of images, addressed by a spec string."""

from semjscc.data.images import ImageSet
from semjscc.data.specs import load_dataset, data_root

__all__ = ["ImageSet", "load_dataset", "data_root"]
