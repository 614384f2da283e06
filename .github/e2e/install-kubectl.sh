#!/usr/bin/env bash
# kubectl 1.27 to 1.33 behind the version dispatcher the simulator's tests rely on (a GitHub runner, sudo).
set -euo pipefail
curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg \
  | sudo gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg
echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" \
  | sudo tee /etc/apt/sources.list.d/google-cloud-sdk.list
sudo apt-get update -qq
sudo apt-get install -y -qq 'kubectl=1:528.0.0-0'
# The runner image's own kubectl (one version) would shadow the dispatcher.
sudo rm -f /usr/local/bin/kubectl
kubectl version --client
