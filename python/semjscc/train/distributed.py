"""Data-parallel training over the processes ``torchrun`` starts (one per GPU, or per CPU socket).

``torchrun --nproc_per_node=N -m semjscc train ...`` sets ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK``; each process then joins the group (NCCL on
GPUs, gloo on CPUs), trains on its shard of every epoch and averages
gradients with DistributedDataParallel.  The global batch stays
``--batch-size`` (each rank takes its share), so a run on N processes
follows the same learning-rate schedule as on one.  Rank 0 alone validates,
writes the checkpoint, the training state and the log.
"""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    size: int = 1
    local: int = 0

    @property
    def main(self) -> bool:
        """The process that validates, saves and prints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def join(device) -> tuple:
    """(Ranks, this process's device): a single process when not started by ``torchrun``."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    device = torch.device(device)
    if size == 1:
        return Ranks(), device
    ranks = Ranks(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        device = torch.device("cuda", ranks.local)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return ranks, device


def rank_batch(batch_size: int, ranks: Ranks) -> int:
    """Each rank's share of the global batch."""
    if batch_size % ranks.size:
        raise ValueError(f"--batch-size {batch_size} does not split over {ranks.size} processes")
    return batch_size // ranks.size


def summed(values: list, ranks: Ranks, device) -> list:
    """``values`` summed over the ranks (for the epoch's mean loss)."""
    if not ranks.distributed:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def check_replicas_agree(model: torch.nn.Module, ranks: Ranks) -> None:
    """Every rank must hold rank 0's weights bit for bit (the gradients are averaged, the steps identical);
    a rank that drifted would make the shipped checkpoint a lie, so training stops."""
    if not ranks.distributed:
        return
    with torch.no_grad():
        mine = torch.cat([p.detach().reshape(-1).double() for p in model.parameters()])
        reference = mine.clone()
        dist.broadcast(reference, 0)
        spread = (mine - reference).abs().max()
        dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    if spread.item() != 0.0:
        raise RuntimeError(f"rank {ranks.rank}: the replicas' weights differ by up to {spread.item():.3g}")


def leave(ranks: Ranks, wait: bool = True) -> None:
    """Leave the group; ``wait`` first for rank 0 to finish its last save, so all leave together (a rank
    that exits while gloo still talks to it aborts).  A failed run leaves without waiting: the other ranks
    may never arrive, and ``torchrun`` stops them."""
    if ranks.distributed and dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()
