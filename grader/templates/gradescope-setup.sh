#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs the kit's packages (.devcontainer/packages.txt, the one list
# that `make setup`, the dev container and CI use) and checks that QEMU has
# the H extension. Choose a base image whose QEMU is 7.0 or newer (Ubuntu
# 24.04 has 8.2; Ubuntu 22.04's 6.2 does not enable H by default): the
# check below fails the image build otherwise, rather than every submission.
set -euo pipefail
cd /autograder/source
bash common/tools/setup.sh
