#!/usr/bin/env bash
# Trains the shipped CIFAR-10 models: lane-a and lane-b give each its first stage; the later stages that
# each card lists (training_stages) come from baseline-longer, adaptive-longer and adaptive-grow + promote.
# The two lanes run side by side, one CPU thread each (THREADS=N for one run alone); every run checkpoints per epoch and resumes where
# it stopped, so this script can be re-run after an interruption (or with more epochs) at any time.
#   usage: scripts/train_models.sh [lane-a|lane-b|all | baseline-longer NAME EPOCHS [LR] | adaptive-longer RATIO EPOCHS [LR]
#                                   | adaptive-grow RATIO WIDTH BLOCKS EPOCHS [LR] | adaptive-bandwidth RATIO FROM [EPOCHS]
#                                   | photo RATIO [EPOCHS] | rate-adaptive [EPOCHS] | gan RATIO [EPOCHS] | gan-curve]
set -euo pipefail
cd "$(dirname "$0")/.."
SEMJSCC=${SEMJSCC:-.venv/bin/semjscc}
train() { "$SEMJSCC" train --resume --threads "${THREADS:-1}" --data cifar10:train "$@"; }
ema() { if [[ -n "${EMA:-}" ]]; then echo --ema "$EMA"; fi; }

lane_a() {
  train --out models/adaptive_awgn_kn1-6.pt --arch adaptive --k-over-n 1/6 --width 64 --blocks 1 \
        --snr-min 0 --snr-max 20 --epochs 22
  # fine-tunes (--init) take the width and blocks of the model they start from
  train --out models/adaptive_fading_kn1-6.pt --arch adaptive --k-over-n 1/6 \
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

# A baseline trained longer: bf16 (PRECISION=fp32 on a CPU without AMX, where bf16 is ~10x slower), cosine from LR
# (default 3e-4), from the shipped checkpoint (not --resume with more --epochs, which would restart at the full lr);
# EMA=DECAY ships a moving average of the weights (--ema).  NAME is the shipped model's, e.g.
# baseline_awgn_kn1-12_snr19.
baseline_longer() {
  local name=$1 ratio snr
  ratio=$(sed -E 's/.*_kn1-([0-9]+)_.*/\1/' <<<"$name")
  snr=$((10#$(sed -E 's/.*_snr([0-9]+)$/\1/' <<<"$name")))
  train --out "models/training/${name}_longer.pt" --arch baseline --k-over-n "1/$ratio" --snr "$snr" \
        --epochs "$2" --lr "${3:-3e-4}" --precision "${PRECISION:-bf16}" --init "models/${name}.pt" $(ema)
}

# The main AWGN model of ratio 1/RATIO (6 or 12) trained longer the same way: bf16, cosine from LR (default 3e-4), from
# the shipped checkpoint (and at its width and blocks), SNR 0..20 dB; EMA as above.
adaptive_longer() {
  train --out "models/training/adaptive_awgn_kn1-${1}_longer.pt" --arch adaptive --k-over-n "1/$1" --snr-min 0 \
        --snr-max 20 --epochs "$2" --lr "${3:-3e-4}" --precision "${PRECISION:-bf16}" \
        --init "models/adaptive_awgn_kn1-${1}.pt" $(ema)
}

# The main AWGN model of ratio 1/RATIO grown to WIDTH channels and BLOCKS residual blocks per stage (the same
# function at the start, see semjscc.codec.grow), then trained like adaptive-longer but from LR (default 5e-4), since
# the new channels start untrained.  Promote it like a longer run.
adaptive_grow() {
  train --out "models/training/adaptive_awgn_kn1-${1}_grown.pt" --arch adaptive --k-over-n "1/$1" --width "$2" \
        --blocks "$3" --grow --snr-min 0 --snr-max 20 --epochs "$4" --lr "${5:-5e-4}" --precision "${PRECISION:-bf16}" \
        --init "models/adaptive_awgn_kn1-${1}.pt"
}

# The main AWGN model of ratio 1/RATIO started from the one of ratio 1/FROM: it keeps that codec's first latent channels
# (semjscc.codec.grow.with_bandwidth), so a few epochs (EPOCHS, default 12) from lr 3e-4 suffice; 1/16 came from 1/12.
# Trained under runs/ and shipped once evaluated (copy it and its log into models/, then `semjscc index`).
adaptive_bandwidth() {
  THREADS=${THREADS:-2} train --out "runs/adaptive_awgn_kn1-$1.pt" --arch adaptive --k-over-n "1/$1" --snr-min 0 \
        --snr-max 20 --epochs "${3:-12}" --lr 3e-4 --ema 0.999 --init "models/adaptive_awgn_kn1-$2.pt"
}

# The photo-scale codec of ratio 1/RATIO (family adaptive-hr): the CIFAR-10 main codec of that ratio grown to width 128
# and two blocks per stage, then trained on random 256x256 crops of the 45 wikiphotos training photographs (16 crops per
# visit, 4 visits per epoch, batch 32, lr 2e-4; EPOCHS, default 28). The shipped ones took 28 epochs (1/16, 1/12) and 20
# (1/6) on one GPU in under 5 minutes each (DEVICE=cuda); `semjscc data fetch wikiphotos` first. Ship as adaptive-bandwidth.
photo() {
  "$SEMJSCC" train --resume --out "runs/adaptive_hr_awgn_kn1-$1.pt" --init "models/adaptive_awgn_kn1-$1.pt" --grow \
        --width 128 --blocks 2 --family adaptive-hr --data wikiphotos:train --val-data wikiphotos:valid --crop 256 \
        --crops-per-image 16 --visits-per-epoch 4 --batch-size 32 --lr 2e-4 --ema 0.999 --epochs "${2:-28}" \
        --workers "${WORKERS:-4}" --device "${DEVICE:-auto}"
}

# The rate-adaptive codec (family rate-adaptive: budgets 1/24, 1/12, 1/8, 1/6): the main 1/6 codec trained with every
# image decoded at every budget (loss in dB, budget weights 1,2,1,3, concept maps 10 %), batch 128, lr 2e-4, EMA 0.999;
# EPOCHS, default 31. The shipped one took 31 epochs over 27,000 training images on one GPU in 9 minutes (DEVICE=cuda).
rate_adaptive() {
  "$SEMJSCC" train --resume --out runs/rate_adaptive_awgn_kn1-6.pt --arch rate-adaptive --family rate-adaptive \
        --init models/adaptive_awgn_kn1-6.pt --budget-loss every-budget --budget-weights 1,2,1,3 --concept-fraction 0.1 \
        --batch-size 128 --lr 2e-4 --ema 0.999 --epochs "${1:-31}" --data cifar10:train --device "${DEVICE:-auto}"
}

# The generative (GAN) decoder of the main AWGN codec of ratio 1/RATIO: a distortion-only stage that trains the new
# attention modules, then the adversarial stage from it (lambda 0.01; EPOCHS, default 2); the result ships as
# models/gan_awgn_kn1-RATIO.pt once evaluated (copy it into models/, then `semjscc index`).
gan() {
  local encoder="adaptive_awgn_kn1-$1"
  gan_train --encoder "$encoder" --out "runs/gan_awgn_kn1-$1_pixel.pt" --adversarial-weight 0 \
            --feature-matching-weight 0 --epochs 1
  gan_train --encoder "$encoder" --init "runs/gan_awgn_kn1-$1_pixel.pt" --adversarial-weight 0.01 \
            --epochs "${2:-2}" --out "runs/gan_awgn_kn1-$1.pt"
}
gan_train() { "$SEMJSCC" train-gan --resume --threads "${THREADS:-2}" "$@"; }

# The distortion-perception curve of the 1/12 GAN decoder: half an epoch from the distortion-only stage at each
# adversarial weight (that stage is the lambda = 0 point); `semjscc bench gan --curve-dir runs/gan_curve_kn1-12`.
gan_curve() {
  mkdir -p runs/gan_curve_kn1-12
  cp runs/gan_awgn_kn1-12_pixel.pt runs/gan_curve_kn1-12/lambda_0.pt
  for weight in 0.001 0.003 0.01 0.03 0.1; do
    gan_train --encoder adaptive_awgn_kn1-12 --init runs/gan_awgn_kn1-12_pixel.pt --adversarial-weight "$weight" \
              --epochs 1 --max-images 22528 --out "runs/gan_curve_kn1-12/lambda_$weight.pt"
  done
}

case "${1:-all}" in
  lane-a) lane_a ;;
  lane-b) lane_b ;;
  all) lane_a & lane_b & wait ;;
  baseline-longer) baseline_longer "$2" "$3" "${4:-}" ;;
  adaptive-longer) adaptive_longer "$2" "$3" "${4:-}" ;;
  adaptive-grow) adaptive_grow "$2" "$3" "$4" "$5" "${6:-}" ;;
  adaptive-bandwidth) adaptive_bandwidth "$2" "$3" "${4:-}" ;;
  photo) photo "$2" "${3:-}" ;;
  rate-adaptive) rate_adaptive "${2:-}" ;;
  gan) gan "$2" "${3:-}" ;;
  gan-curve) gan_curve ;;
  *) echo "usage: $0 [lane-a|lane-b|all|baseline-longer NAME EPOCHS [LR]|adaptive-longer RATIO EPOCHS [LR]|adaptive-grow RATIO WIDTH BLOCKS EPOCHS [LR]|adaptive-bandwidth RATIO FROM [EPOCHS]|photo RATIO [EPOCHS]|rate-adaptive [EPOCHS]|gan RATIO [EPOCHS]|gan-curve]" >&2
     exit 2 ;;
esac
