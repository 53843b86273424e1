#!/usr/bin/env bash
# What `make pdf` needs from the system: Debian's TeX Live (xelatex, latexmk, the LaTeX packages
# Sphinx and sphinx-jupyterbook-latex load), the fonts of _latex/mcml.sty, and poppler-utils for
# tests/test_pdf.py. Installed with apt-get when missing and run as root (as `make chromium` does);
# otherwise one line says what to install, and the PDF cannot be built (exit 1).
# Measured on Debian 12: 367 MB installed, about 80 s (no recommended packages).
set -euo pipefail

PACKAGES=(texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
          latexmk fonts-freefont-otf fonts-dejavu-core poppler-utils)

missing() {
  local cmd sty font
  for cmd in xelatex latexmk kpsewhich pdftoppm pdftotext pdftohtml pdfinfo fc-list; do
    command -v "$cmd" >/dev/null || { echo "command $cmd"; return; }
  done
  # one package from each TeX Live collection the build uses
  for sty in fncychap.sty ucharclasses.sty unicode-math.sty pgfplots.sty tabulary.sty; do
    kpsewhich "$sty" >/dev/null || { echo "LaTeX package $sty"; return; }
  done
  for font in "FreeSerif" "FreeSans" "DejaVu Sans Mono" "DejaVu Sans" "Latin Modern Math"; do
    fc-list ":family=$font" family | grep -q . || { echo "font $font"; return; }
  done
}

what=$(missing)
[ -z "$what" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "TeX Live for the PDF ($what is missing): apt-get install ${PACKAGES[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  what=$(missing)
  [ -z "$what" ] && exit 0
  echo "still missing after apt-get install: $what" >&2
  exit 1
fi
echo "TeX Live for the PDF is missing ($what): run 'sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}'" >&2
exit 1
