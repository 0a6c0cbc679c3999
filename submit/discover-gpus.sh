#!/usr/bin/env bash
# discover-gpus.sh: Spark's GPU discovery script for reid-spark's GPU executors.
#
# Prints the NVIDIA GPUs of this machine the way Spark's resource discovery reads them:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Spark runs it where GPUs are handed out: on every standalone Worker
# (spark.worker.resource.gpu.amount + spark.worker.resource.gpu.discoveryScript, in the Worker's own
# config), or in every YARN/Kubernetes executor (spark.executor.resource.gpu.discoveryScript). It must be
# at the same path on every node. The addresses are nvidia-smi's indices; with
# spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID they are CUDA's device numbers too (reid-spark's TaskGpu
# maps them through CUDA_VISIBLE_DEVICES when that is set).
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "discover-gpus.sh: nvidia-smi not found on $(hostname); is the NVIDIA driver installed?" >&2
  exit 1
fi
indices="$(nvidia-smi --query-gpu=index --format=csv,noheader)"
addresses="$(printf '%s\n' "$indices" | tr -d ' \r' | sed -e '/^$/d' -e 's/.*/"&"/' | paste -sd, - | sed 's/,/, /g')"
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
