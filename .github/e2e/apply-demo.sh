#!/usr/bin/env bash
# Deploy tests/kubesim/demo.yaml to the current kubectl context, with the distroless images replaced by
# the demo app's (images.env), then wait until the pods the e2e tests use are ready. The images must be
# on the node already: load-images.sh puts them into kind; .ci/run's simulator serves them by --retag-image.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .github/e2e/images.env

sed -e "s#$DEMO_NONROOT#$E2E_APP_NONROOT#" -e "s#$DEMO_ROOT#$E2E_APP_ROOT#" tests/kubesim/demo.yaml | kubectl apply -f -
kubectl wait --for=condition=Ready --timeout=180s pod/web pod/root-app pod/two pod/mesh
kubectl wait --for=condition=Ready --timeout=180s -n secure pod/api
