#!/usr/bin/env bash
# Deploy tests/kubesim/demo.yaml to a kind cluster (the current kubectl context) with the demo app on
# real distroless: build and load the images, then apply and wait. Usage: deploy-demo.sh KIND_CLUSTER_NAME
set -euo pipefail
here="$(dirname "$0")"
"$here/load-images.sh" "$1"
"$here/apply-demo.sh"
