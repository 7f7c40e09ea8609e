#!/usr/bin/env bash
# Every benchmark of gr-semjscc, re-runnable with one command (`make bench`).
# Results (JSON + PNG) land in bench/results/; the model cards get the measured tables.
# Needs the full data (--data-root / $SEMJSCC_DATA / ../shared/data): CIFAR-10's
# 1,000 lossless test images and the 24 Kodak images.
set -euo pipefail
cd "$(dirname "$0")/.."
SEMJSCC=${SEMJSCC:-.venv/bin/semjscc}
OUT=${OUT:-bench/results}

"$SEMJSCC" index  # cards for checkpoints that have none yet
"$SEMJSCC" bench codec --data cifar10:test --snr 0,5,10,15,20 --out "$OUT"
"$SEMJSCC" bench codec --data kodak --filter kn1-6 --snr 0,5,10,15,20 --out "$OUT"
"$SEMJSCC" bench baseline --data cifar10:test --out "$OUT"
"$SEMJSCC" bench throughput --out "$OUT"
"$SEMJSCC" bench radio --model adaptive_awgn_kn1-6 --data cifar10:test:200 --out "$OUT/radio"
"$SEMJSCC" bench rtf --models baseline_awgn_kn1-6_snr10,baseline_awgn_kn1-12_snr13,adaptive_awgn_kn1-6,adaptive_awgn_kn1-12,adaptive_fading_kn1-6 --out "$OUT/radio"
"$SEMJSCC" index
"$SEMJSCC" bench report --out "$OUT" --readme README.md
