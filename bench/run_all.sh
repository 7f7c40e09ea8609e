#!/usr/bin/env bash
# Every benchmark of gr-semjscc, re-runnable with one command (`make bench`).
# Results (JSON + PNG) land in bench/results/; the model cards get the measured tables.
# Needs the full data (--data-root / $SEMJSCC_DATA / ../shared/data): CIFAR-10's
# 1,000 lossless test images and the 24 Kodak images.
set -euo pipefail
cd "$(dirname "$0")/.."
SEMJSCC=${SEMJSCC:-.venv/bin/semjscc}
OUT=${OUT:-bench/results}

# Figures from the shipped sample would overwrite the committed ones: refuse without the full data.
"$SEMJSCC" data check || { echo "bench: not run (see above)" >&2; exit 1; }
"$SEMJSCC" index  # cards for checkpoints that have none yet
"$SEMJSCC" bench codec --data cifar10:test --snr 0,5,10,15,20 --out "$OUT"
"$SEMJSCC" bench codec --data kodak --filter kn1-6 --snr 0,5,10,15,20 --out "$OUT"
"$SEMJSCC" bench baseline --data cifar10:test --out "$OUT"
"$SEMJSCC" bench throughput --out "$OUT"
"$SEMJSCC" bench radio --model adaptive_awgn_kn1-6 --data cifar10:test:200 --out "$OUT/radio"
"$SEMJSCC" bench robustness --out "$OUT/robustness"
"$SEMJSCC" bench ofdm --model adaptive_ofdm_kn1-6 --data cifar10:test:400 --out "$OUT/ofdm"
"$SEMJSCC" bench cliff --data cifar10:test:200 --out "$OUT"  # digital link vs analog, simulated and through the flowgraph
"$SEMJSCC" bench cliff --data kodak --ratios 1/6,1/16 --snr=-5,0,5,10,15,20,25 --no-flowgraph --out "$OUT"
# the MCS tables of both block sizes are what --mcs auto reads
.venv/bin/python -c 'import json, sys; tables = {}; [tables.update(json.load(open(p))) for p in sys.argv[2:]]
open(sys.argv[1], "w").write(json.dumps(tables, indent=1) + "\n")' python/semjscc/digital/bler_awgn.json \
  "$OUT/cliff/bler_awgn.json" "$OUT/cliff_kodak/bler_awgn.json"
"$SEMJSCC" bench rtf --models baseline_awgn_kn1-6_snr10,baseline_awgn_kn1-12_snr13,adaptive_awgn_kn1-6,adaptive_awgn_kn1-6_w64,adaptive_awgn_kn1-12,adaptive_fading_kn1-6 --devices cpu,openvino --out "$OUT/radio"
"$SEMJSCC" bench rtf --receive-only --models adaptive_awgn_kn1-6,adaptive_awgn_kn1-12,adaptive_awgn_kn1-6_w64,baseline_awgn_kn1-6_snr10,adaptive_fading_kn1-6,semimp_awgn_kn1-6 --out "$OUT/radio"
# on a machine with a GPU: "$SEMJSCC" bench gpu --device cuda --models adaptive_awgn_kn1-6,adaptive_awgn_kn1-12 --data sample:cifar10:test --out "$OUT"
# Semantic: plain deep JSCC, the equal-budget MSE controls, semantic-importance, TOSC-SR and WebP at capacity;
# extra lambdas (models/training/) only for the trade-off curve.  Then the 10,000 JPEG-derived test images for
# tighter accuracy figures at low SNR, where the targets are (bfloat16, accuracy only).
SEMANTIC_12=adaptive_awgn_kn1-12,models/training/mse_control_kn1-12.pt,semimp_awgn_kn1-12,toscsr_awgn_kn1-12
SEMANTIC_6=adaptive_awgn_kn1-6_w64,models/training/mse_control_kn1-6.pt,semimp_awgn_kn1-6,toscsr_awgn_kn1-6
SWEEP=models/training/semimp_kn1-12_lambda0.1.pt,models/training/toscsr_kn1-12_lambda0.03.pt
CLASSIFIERS=(--task-model task_resnet --unseen-model task_vgg_unseen)
"$SEMJSCC" bench semantic --data cifar10:test --models "$SEMANTIC_12,$SEMANTIC_6" --sweep "$SWEEP" "${CLASSIFIERS[@]}" \
    --snr=-5,0,5,10,15,20 --out "$OUT/semantic"
"$SEMJSCC" bench semantic --data cifar10:test-jpeg --precision bf16 --models "$SEMANTIC_12,$SEMANTIC_6" \
    "${CLASSIFIERS[@]}" --snr=0,5 --out "$OUT/semantic_jpeg10k"
"$SEMJSCC" bench importance --task-model task_resnet --data cifar10:test:8 --out "$OUT/semantic"
# GAN decoders against the MSE decoders of their encoders (the distortion-perception curve stays as measured
# unless --curve-dir runs/gan_curve_kn1-12 is given after `scripts/train_models.sh gan-curve`)
"$SEMJSCC" bench gan --data cifar10:test --out "$OUT"
"$SEMJSCC" bench photo --out "$OUT"
"$SEMJSCC" index
"$SEMJSCC" bench report --out "$OUT"  # bench/results/summary.md
