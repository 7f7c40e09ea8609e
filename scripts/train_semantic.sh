#!/usr/bin/env bash
# Trains the semantic issue's models (resumable, like train_models.sh):
#   task networks:  the receiver's classifier (ResNet-9 style) and an unseen VGG one;
#   codecs:         semantic-importance and TOSC-SR at k/n = 1/12 and 1/6, SNR-adaptive 0..20 dB, each
#                   fine-tuned for the same epochs from the shipped adaptive MSE model, next to an MSE
#                   control fine-tuned the same way: the comparison isolates the loss;
#   lambda sweep:   TOSC-SR at 1/12 for the PSNR-accuracy trade-off curve.
# Codec runs land in models/training/ and move to models/ once finished and evaluated.
#   usage: scripts/train_semantic.sh [tasks | codecs [1/12|1/6] | sweep | one RATIO LOSS LAMBDA OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
SEMJSCC=${SEMJSCC:-.venv/bin/semjscc}
EPOCHS=${EPOCHS:-4}
THREADS=${THREADS:-1}
PRECISION=${PRECISION:-bf16}  # the 1/6 models shipped first were fine-tuned in fp32 (their cards say so)

tasks() {
  "$SEMJSCC" train-task --resume --out models/task_resnet.pt --arch resnet --width 32 --epochs 16 --threads 2
  "$SEMJSCC" eval-task --model models/task_resnet.pt
  "$SEMJSCC" train-task --resume --out models/task_vgg_unseen.pt --arch vgg --width 32 --epochs 15 --threads 2
  "$SEMJSCC" eval-task --model models/task_vgg_unseen.pt
}

fine_tune() {  # ratio loss weight out
  local ratio=$1 loss=$2 weight=$3 out=$4
  local tag; tag=$(echo "$ratio" | tr / -)
  # the codec keeps the width and blocks of the model it is fine-tuned from
  "$SEMJSCC" train --resume --threads "$THREADS" --out "$out" --arch adaptive --k-over-n "$ratio" \
      --snr-min 0 --snr-max 20 --epochs "$EPOCHS" --init "models/adaptive_awgn_kn${tag}.pt" --lr 3e-4 \
      --loss "$loss" --task-model models/task_resnet.pt --semantic-weight "$weight" --semantic-layer layer2 \
      --precision "$PRECISION"
}

codecs() {
  local ratios=("$@")
  [ ${#ratios[@]} -gt 0 ] || ratios=(1/12 1/6)
  for ratio in "${ratios[@]}"; do
    tag=$(echo "$ratio" | tr / -)
    # semantic-importance's lambda is halved at 1/6, whose pixel MSE is about half that of 1/12
    if [ "$ratio" = 1/12 ]; then importance_weight=0.03; else importance_weight=0.015; fi
    fine_tune "$ratio" mse 0 "models/training/mse_control_kn${tag}.pt"
    fine_tune "$ratio" semantic-importance "$importance_weight" "models/training/semimp_awgn_kn${tag}.pt"
    fine_tune "$ratio" tosc-sr 0.01 "models/training/toscsr_awgn_kn${tag}.pt"
  done
}

sweep() {
  for weight in 0.001 0.003 0.03 0.1; do
    fine_tune 1/12 tosc-sr "$weight" "models/training/toscsr_kn1-12_lambda${weight}.pt"
  done
}

case "${1:-tasks}" in
  tasks) tasks ;;
  codecs) shift; codecs "$@" ;;
  sweep) sweep ;;
  one) shift; fine_tune "$@" ;;
  *) echo "usage: $0 [tasks|codecs|sweep|one RATIO LOSS LAMBDA OUT]" >&2; exit 2 ;;
esac
