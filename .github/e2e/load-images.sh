#!/usr/bin/env bash
# Build the demo app's images (see Dockerfile here) and load them, with busybox, into a kind cluster.
# Usage: load-images.sh KIND_CLUSTER_NAME
set -euo pipefail
cluster="$1"
cd "$(dirname "$0")/../.."
. .github/e2e/images.env

gcc -static -Os -Wall -Wextra -o .github/e2e/app tests/kubesim/runtime/csrc/app.c
docker build -q --build-arg "BASE=$DEMO_NONROOT" -t "$E2E_APP_NONROOT" .github/e2e
docker build -q --build-arg "BASE=$DEMO_ROOT" -t "$E2E_APP_ROOT" .github/e2e
docker pull -q busybox:1.36.1
kind load docker-image --name "$cluster" "$E2E_APP_NONROOT" "$E2E_APP_ROOT" busybox:1.36.1
