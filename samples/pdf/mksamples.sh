#!/bin/sh
# mksamples.sh: regenerates the sample PDFs in this folder (see
# mksamples.c).  Needs cairo's development files and qpdf; the results are
# committed, so building and testing quarry needs neither.
#
# encrypted.pdf: secret.pdf with AES-256, user password "open sesame",
# owner password "quarry-owner".  truncated.pdf: the first 3000 bytes of
# article.pdf.  notpdf.pdf: a text file with a .pdf name.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/mksamples" "$here/mksamples.c" \
    $(pkg-config --cflags --libs cairo) -lm
cd "$here"
SOURCE_DATE_EPOCH=1700000000 "$tmp/mksamples" .
qpdf --static-id --encrypt 'open sesame' quarry-owner 256 -- secret.pdf encrypted.pdf
head -c 3000 article.pdf >truncated.pdf
printf 'This is not a PDF.\n' >notpdf.pdf
