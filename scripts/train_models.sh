#!/usr/bin/env bash
# Trains the shipped CIFAR-10 models.  Two lanes run side by side, one CPU thread
# each; every run checkpoints per epoch and resumes where it stopped, so this
# script can be re-run after an interruption (or with more epochs) at any time.
#   usage: scripts/train_models.sh [lane-a|lane-b|all | baseline-longer SNR EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
SEMJSCC=${SEMJSCC:-.venv/bin/semjscc}
train() { "$SEMJSCC" train --resume --threads 1 --data cifar10:train "$@"; }

lane_a() {
  train --out models/adaptive_awgn_kn1-6.pt --arch adaptive --k-over-n 1/6 --width 64 --blocks 1 \
        --snr-min 0 --snr-max 20 --epochs 22
  train --out models/adaptive_fading_kn1-6.pt --arch adaptive --k-over-n 1/6 --width 64 --blocks 1 \
        --channel fading --pilots 16 --snr-min 0 --snr-max 20 --epochs 2 --lr 3e-4 \
        --init models/adaptive_awgn_kn1-6.pt
}

lane_b() {
  train --out models/baseline_awgn_kn1-6_snr10.pt --arch baseline --k-over-n 1/6 --snr 10 --epochs 8
  for snr in 1 4 7 13 19; do
    train --out "models/baseline_awgn_kn1-12_snr$(printf %02d "$snr").pt" --arch baseline --k-over-n 1/12 \
          --snr "$snr" --epochs 6
  done
  train --out models/adaptive_awgn_kn1-12.pt --arch adaptive --k-over-n 1/12 --width 64 --blocks 1 \
        --snr-min 0 --snr-max 20 --epochs 23
}

# A 1/12 baseline trained longer: bf16, lr 3e-4 cosine, from the shipped checkpoint (not --resume with more
# --epochs, which would restart at the full lr).  The shipped SNR-19 model is this with EPOCHS = 40.
baseline_longer() {
  local snr; snr=$(printf %02d "$1")
  train --out "models/training/baseline_awgn_kn1-12_snr${snr}_longer.pt" --arch baseline --k-over-n 1/12 --snr "$1" \
        --epochs "$2" --lr 3e-4 --precision bf16 --init "models/baseline_awgn_kn1-12_snr${snr}.pt"
}

case "${1:-all}" in
  lane-a) lane_a ;;
  lane-b) lane_b ;;
  all) lane_a & lane_b & wait ;;
  baseline-longer) baseline_longer "$2" "$3" ;;
  *) echo "usage: $0 [lane-a|lane-b|all|baseline-longer SNR EPOCHS]" >&2; exit 2 ;;
esac
